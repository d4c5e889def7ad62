import { runningEmulator, type ServicePlugin } from '../service-plugin.ts';
import { bucketNotificationsProvider } from './bucket-notifications.ts';
import { bucketProvider } from './bucket-provider.ts';
import { bucketPolicyProperties } from './properties.ts';

/** S3 buckets on fauxqs, and their notifications, which the local cloud delivers itself. */
export const s3Plugin: ServicePlugin = {
  service: 'S3',
  emulator: 'fauxqs',
  resourceTypes: ['AWS::S3::Bucket', 'Custom::S3BucketNotifications'],
  providers: (context) => ({
    'AWS::S3::Bucket': bucketProvider(runningEmulator(context, 'fauxqs').s3, context.bucketCors),
    'Custom::S3BucketNotifications': bucketNotificationsProvider(context.runtime.notifications),
  }),
  ignored: [
    {
      type: 'AWS::S3::BucketPolicy',
      reason: 'Resource policies are not evaluated by the emulators.',
      properties: bucketPolicyProperties,
    },
  ],
  nativeCustomResources: ['Custom::S3BucketNotifications'],
};
