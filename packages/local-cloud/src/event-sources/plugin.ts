import type { ServicePlugin } from '../service-plugin.ts';
import { eventSourceMappingProvider } from './event-source-mapping-provider.ts';

/**
 * Event source mappings: pollers of SQS queues, Kinesis streams and DynamoDB streams that invoke a function, as
 * Lambda runs them. Each source's own plugin starts the emulator it needs.
 */
export const eventSourcesPlugin: ServicePlugin = {
  service: 'Lambda event sources',
  resourceTypes: ['AWS::Lambda::EventSourceMapping'],
  providers: ({ runtime, emulators: { fauxqs, kinesis, dynamodb }, onEventSource, output }) => ({
    'AWS::Lambda::EventSourceMapping': eventSourceMappingProvider({
      invoker: runtime.host,
      sqs: fauxqs ? { client: fauxqs.sqs, endpoint: fauxqs.endpoint } : undefined,
      kinesis: kinesis?.client,
      dynamoDbStreams: dynamodb?.streams,
      onStarted: onEventSource,
      log: (line) => output('event-sources', line),
    }),
  }),
};
