import type { ServicePlugin } from '../service-plugin.ts';

/** CloudWatch Logs: function output goes to the local cloud's own log files instead. */
export const logsPlugin: ServicePlugin = {
  service: 'CloudWatch Logs',
  ignored: [
    {
      type: 'AWS::Logs::LogGroup',
      reason: 'Function output goes to the local cloud log instead of CloudWatch Logs.',
      arnPrefix: 'logs::log-group:',
    },
  ],
};
