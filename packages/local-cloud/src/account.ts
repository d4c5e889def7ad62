// The one account, region and access key of the local cloud. Every ARN and URL is built from the account and
// region; functions and clients sign with the key.

/** The account and region every local resource lives in; ARNs and URLs are built from them. */
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_REGION = 'us-east-1';

/** Credentials handed to functions and clients: the emulators check that they are present, not what they are. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/**
 * The secret of a local access key id, for checking presigned URLs and requests signed for `AWS_IAM` API methods:
 * only {@link LOCAL_CREDENTIALS} exist.
 */
export function localSecretFor(accessKeyId: string): string | undefined {
  return accessKeyId === LOCAL_CREDENTIALS.accessKeyId ? LOCAL_CREDENTIALS.secretAccessKey : undefined;
}
