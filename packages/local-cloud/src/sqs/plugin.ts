import { runningEmulator, type ServicePlugin } from '../service-plugin.ts';
import { queuePolicyProperties } from './properties.ts';
import { queueProvider } from './queue-provider.ts';

/** SQS queues, on fauxqs. */
export const sqsPlugin: ServicePlugin = {
  service: 'SQS',
  emulator: 'fauxqs',
  resourceTypes: ['AWS::SQS::Queue'],
  providers: (context) => {
    const fauxqs = runningEmulator(context, 'fauxqs');
    return { 'AWS::SQS::Queue': queueProvider(fauxqs.sqs, fauxqs.endpoint) };
  },
  ignored: [
    {
      type: 'AWS::SQS::QueuePolicy',
      reason: 'Resource policies are not evaluated by the emulators.',
      properties: queuePolicyProperties,
    },
  ],
};
