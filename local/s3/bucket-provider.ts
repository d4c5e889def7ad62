import { CreateBucketCommand, PutBucketVersioningCommand, type S3Client } from '@aws-sdk/client-s3';
import { generatedName } from '../cloudformation/physical-ids.ts';
import type { CreatedResource, CreateRequest, ResourceProvider } from '../cloudformation/types.ts';
import { type BucketCorsRules, corsRulesFromTemplate } from './bucket-cors.ts';

/**
 * Creates `AWS::S3::Bucket` on fauxqs. Ref = bucket name; Arn, DomainName and RegionalDomainName attributes.
 * `CorsConfiguration` goes to `cors`, which answers browsers. Encryption, public access blocks and lifecycle rules
 * are AWS-side settings with no local effect.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-s3-bucket.html
 */
export function bucketProvider(client: S3Client, cors?: BucketCorsRules): ResourceProvider {
  return {
    async create(request: CreateRequest): Promise<CreatedResource> {
      const properties = request.properties;
      // Generated bucket names are lower case and at most 63 characters.
      const bucketName =
        typeof properties.BucketName === 'string'
          ? properties.BucketName
          : generatedName(request.stackName, request.logicalId, 63).toLowerCase();
      await client.send(new CreateBucketCommand({ Bucket: bucketName }));
      const versioning = properties.VersioningConfiguration as
        | { Status?: 'Enabled' | 'Suspended' }
        | undefined;
      if (versioning?.Status) {
        await client.send(
          new PutBucketVersioningCommand({
            Bucket: bucketName,
            VersioningConfiguration: { Status: versioning.Status },
          }),
        );
      }
      const corsRules = corsRulesFromTemplate(properties.CorsConfiguration);
      if (corsRules) {
        cors?.set(bucketName, corsRules);
      }
      return {
        physicalId: bucketName,
        attributes: {
          Arn: `arn:aws:s3:::${bucketName}`,
          DomainName: `${bucketName}.s3.amazonaws.com`,
          RegionalDomainName: `${bucketName}.s3.${request.region}.amazonaws.com`,
        },
      };
    },
  };
}
