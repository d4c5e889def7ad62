import { LogGroupRetentions, logRetentionProvider } from '../custom-resources/log-retention.ts';
import type { ServicePlugin } from '../service-plugin.ts';

/**
 * CloudWatch Logs: function output goes to the local cloud's own log files instead; the retention the CDK sets
 * with `Custom::LogRetention` is checked and recorded.
 */
export const logsPlugin: ServicePlugin = {
  service: 'CloudWatch Logs',
  resourceTypes: ['Custom::LogRetention'],
  providers: ({ output }) => ({
    'Custom::LogRetention': logRetentionProvider(new LogGroupRetentions(), (line) =>
      output('cloudformation', line),
    ),
  }),
  ignored: [
    {
      type: 'AWS::Logs::LogGroup',
      reason: 'Function output goes to the local cloud log instead of CloudWatch Logs.',
      arnPrefix: 'logs::log-group:',
    },
  ],
};
