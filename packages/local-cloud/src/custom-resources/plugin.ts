import type { ServicePlugin } from '../service-plugin.ts';
import { awsSdkCallProvider, localSdkServices } from './aws-sdk-call.ts';

/** `AwsCustomResource` (`Custom::AWS`): its SDK calls, made against the emulators that run. */
export const awsSdkCallPlugin: ServicePlugin = {
  service: 'AWS SDK calls (AwsCustomResource)',
  resourceTypes: ['Custom::AWS'],
  providers: ({ emulators }) => ({ 'Custom::AWS': awsSdkCallProvider(localSdkServices(emulators)) }),
};
