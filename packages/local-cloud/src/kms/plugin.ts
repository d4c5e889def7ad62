import type { ServicePlugin } from '../service-plugin.ts';

/** KMS: keys are accepted and named; the emulators keep data unencrypted. */
export const kmsPlugin: ServicePlugin = {
  service: 'KMS',
  ignored: [
    {
      type: 'AWS::KMS::Key',
      reason:
        'Encryption at rest (a function environment, a queue, a table) has no local effect: the emulators keep data ' +
        'unencrypted. There is no local KMS endpoint for code that calls KMS itself.',
      // https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id-key-ARN
      arnPrefix: 'kms::key/',
    },
  ],
};
