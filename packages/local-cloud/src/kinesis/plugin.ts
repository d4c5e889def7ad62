import { runningEmulator, type ServicePlugin } from '../service-plugin.ts';
import { streamProvider } from './stream-provider.ts';

/** Kinesis data streams, on kinesis-mock. */
export const kinesisPlugin: ServicePlugin = {
  service: 'Kinesis',
  emulator: 'kinesis',
  resourceTypes: ['AWS::Kinesis::Stream'],
  providers: (context) => ({
    'AWS::Kinesis::Stream': streamProvider(runningEmulator(context, 'kinesis').client),
  }),
};
