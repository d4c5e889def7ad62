import * as z from 'zod';
import {
  cfnBoolean,
  cfnInteger,
  cfnJson,
  cfnNonEmptyString,
  cfnString,
} from '../cloudformation/resource-properties.ts';

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-s3-bucket-corsrule.html
const corsRule = z.looseObject({
  AllowedMethods: z.array(cfnString),
  AllowedOrigins: z.array(cfnString),
  AllowedHeaders: z.array(cfnString).optional(),
  ExposedHeaders: z.array(cfnString).optional(),
  MaxAge: cfnInteger.optional(),
});

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucket.html
export const bucketProperties = z.looseObject({
  BucketName: cfnString.optional(),
  VersioningConfiguration: z.looseObject({ Status: z.enum(['Enabled', 'Suspended']) }).optional(),
  CorsConfiguration: z.looseObject({ CorsRules: z.array(corsRule) }).optional(),
});

export type BucketProperties = z.output<typeof bucketProperties>;

// One configuration of the S3 API's NotificationConfiguration; the arn and events are checked with S3's own messages.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_NotificationConfiguration.html
const notificationEntry = z.looseObject({
  Id: cfnString.optional(),
  Events: z.array(cfnString).optional(),
  Filter: z
    .looseObject({
      Key: z
        .looseObject({
          FilterRules: z.array(z.looseObject({ Name: cfnString, Value: cfnString })).optional(),
        })
        .optional(),
    })
    .optional(),
  LambdaFunctionArn: cfnString.optional(),
  QueueArn: cfnString.optional(),
});

export const notificationConfiguration = z.looseObject({
  LambdaFunctionConfigurations: z.array(notificationEntry).optional(),
  QueueConfigurations: z.array(notificationEntry).optional(),
  TopicConfigurations: z.array(z.unknown()).optional(),
  EventBridgeConfiguration: z.unknown().optional(),
});

export type NotificationConfiguration = z.output<typeof notificationConfiguration>;
export type NotificationEntry = z.output<typeof notificationEntry>;

/**
 * `Custom::S3BucketNotifications`, CDK's custom resource: the bucket and the S3 API's NotificationConfiguration,
 * which its handler passes to PutBucketNotificationConfiguration.
 * https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_s3-readme.html#bucket-notifications
 */
export const bucketNotificationsProperties = z.looseObject({
  BucketName: cfnNonEmptyString,
  NotificationConfiguration: notificationConfiguration.optional(),
  Managed: cfnBoolean.optional(),
});

export type BucketNotificationsProperties = z.output<typeof bucketNotificationsProperties>;

// Checked, not evaluated: the emulators do not enforce resource policies.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucketpolicy.html
export const bucketPolicyProperties = z.looseObject({ Bucket: cfnString, PolicyDocument: cfnJson });
