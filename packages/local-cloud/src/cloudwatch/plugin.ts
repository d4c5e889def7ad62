import type { ServicePlugin } from '../service-plugin.ts';

/** CloudWatch: no metrics are emulated. */
export const cloudWatchPlugin: ServicePlugin = {
  service: 'CloudWatch',
  ignored: [
    {
      type: 'AWS::CloudWatch::Alarm',
      reason: 'No CloudWatch metrics are emulated; alarms are checked by template tests.',
      arnPrefix: 'cloudwatch::alarm:',
    },
  ],
};
