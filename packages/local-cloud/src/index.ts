// The local cloud's front door: everything outside the package imports from here, never from a module inside.

export { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION, localSecretFor } from './account.ts';
export { type IamVerdict, type SignedRequest, verifyIamRequest } from './apigateway/iam-authorization.ts';
export { type CliExtensions, runLocalCloudCli, type WatchOptions } from './cli.ts';
export {
  type EmulatorName,
  type LocalCloud,
  type LocalCloudOptions,
  OUTPUTS_PATH,
  type RestartableEmulator,
  startLocalCloud,
} from './cloud.ts';
export type { CloudUpdateSummary } from './cloud-update.ts';
export type { CfnTemplate } from './cloudformation/types.ts';
export { kinesisClient } from './emulators/kinesis-mock.ts';
export { freePort, isPortFree } from './emulators/ports.ts';
export { checkFaultPlan, FaultInjector, type FaultPlan, type FaultRule } from './lambda/fault-injection.ts';
export { type PresignedVerdict, verifyPresignedRequest, type WireRequest } from './s3/presigned-requests.ts';
export { parseAmzDate } from './sigv4/amz-date.ts';
export type {
  SecretLookup,
  SigV4Caller,
  SigV4Error,
  SigV4ErrorCode,
  SigV4Options,
  SigV4Request,
  SigV4Verdict,
} from './sigv4/signed-request.ts';
export { verifySigV4 } from './sigv4/verify-signature.ts';
export { type StaticMount, StaticSite, type StaticSiteOptions } from './static-site.ts';
export { type SynthesizeOptions, synthesize } from './synth.ts';
