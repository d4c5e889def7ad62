import type { ServicePlugin } from '../service-plugin.ts';

/** IAM: roles and policies are accepted and named, not evaluated. */
export const iamPlugin: ServicePlugin = {
  service: 'IAM',
  ignored: [
    {
      type: 'AWS::IAM::Role',
      reason: 'The emulators do not evaluate IAM; permissions are checked by template tests.',
      arnPrefix: 'iam::role/',
    },
    { type: 'AWS::IAM::Policy', reason: 'The emulators do not evaluate IAM.' },
    {
      type: 'AWS::IAM::ManagedPolicy',
      reason: 'The emulators do not evaluate IAM.',
      arnPrefix: 'iam::policy/',
    },
  ],
};
