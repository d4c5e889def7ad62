import { bucketDeploymentProvider } from '../custom-resources/bucket-deployment.ts';
import { autoDeleteObjectsProvider } from '../custom-resources/s3-auto-delete-objects.ts';
import { runningEmulator, type ServicePlugin } from '../service-plugin.ts';
import { bucketNotificationsProvider } from './bucket-notifications.ts';
import { bucketProvider } from './bucket-provider.ts';
import { BucketTags, withBucketTags } from './bucket-tags.ts';
import { bucketPolicyProperties } from './properties.ts';

/**
 * S3 buckets on fauxqs, and what the CDK adds to them with custom resources, which the local cloud does itself:
 * notifications, emptying a bucket before its deletion (`autoDeleteObjects`), and deployments of files into it.
 */
export const s3Plugin: ServicePlugin = {
  service: 'S3',
  emulator: 'fauxqs',
  resourceTypes: [
    'AWS::S3::Bucket',
    'Custom::S3BucketNotifications',
    'Custom::S3AutoDeleteObjects',
    'Custom::CDKBucketDeployment',
  ],
  providers: (context) => {
    const { s3 } = runningEmulator(context, 'fauxqs');
    // The tags of this stack's buckets: fauxqs keeps none, and the CDK's handlers check them before deleting.
    const tags = new BucketTags();
    const log = (line: string) => context.output('cloudformation', line);
    return {
      'AWS::S3::Bucket': withBucketTags(bucketProvider(s3, context.bucketCors), tags),
      'Custom::S3BucketNotifications': bucketNotificationsProvider(context.runtime.notifications),
      'Custom::S3AutoDeleteObjects': autoDeleteObjectsProvider(s3, tags, log),
      'Custom::CDKBucketDeployment': bucketDeploymentProvider({
        client: s3,
        tags,
        assetsByObjectKey: context.inputs.assetsByObjectKey,
        log,
      }),
    };
  },
  ignored: [
    {
      type: 'AWS::S3::BucketPolicy',
      reason: 'Resource policies are not evaluated by the emulators.',
      properties: bucketPolicyProperties,
    },
  ],
};
