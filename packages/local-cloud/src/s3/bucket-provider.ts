import { isDeepStrictEqual } from 'node:util';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  PutBucketVersioningCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { generatedName } from '../cloudformation/physical-ids.ts';
import { typedProvider } from '../cloudformation/resource-properties.ts';
import type { ResourceProvider } from '../cloudformation/types.ts';
import { type BucketCorsRules, corsRulesFromTemplate } from './bucket-cors.ts';
import { type BucketProperties, bucketProperties } from './properties.ts';

type VersioningStatus = NonNullable<BucketProperties['VersioningConfiguration']>['Status'];

/**
 * Creates `AWS::S3::Bucket` on fauxqs. Ref = bucket name; Arn, DomainName and RegionalDomainName attributes.
 * `CorsConfiguration` goes to `cors`, which answers browsers. Encryption, public access blocks and lifecycle rules
 * are AWS-side settings with no local effect; so is versioning, whose PutBucketVersioning fauxqs takes and ignores
 * (it keeps one version of each object). An update applies CORS and versioning changes (objects stay); a delete
 * fails on a bucket that still holds objects, as S3 (and so CloudFormation) does.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-s3-bucket.html
 */
export function bucketProvider(client: S3Client, cors?: BucketCorsRules): ResourceProvider {
  const setVersioning = async (bucket: string, status: VersioningStatus) => {
    await client.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: status } }),
    );
  };
  const setCors = (bucket: string, configuration: BucketProperties['CorsConfiguration']) => {
    const corsRules = corsRulesFromTemplate(configuration);
    if (corsRules) {
      cors?.set(bucket, corsRules);
    } else {
      cors?.delete(bucket);
    }
  };
  return typedProvider(bucketProperties, {
    async create(request) {
      const properties = request.properties;
      // Generated bucket names are lower case and at most 63 characters.
      const bucketName =
        properties.BucketName ??
        generatedName(request.stackName, request.logicalId, 63, request.replaces).toLowerCase();
      await client.send(new CreateBucketCommand({ Bucket: bucketName }));
      const versioning = properties.VersioningConfiguration?.Status;
      if (versioning) {
        await setVersioning(bucketName, versioning);
      }
      setCors(bucketName, properties.CorsConfiguration);
      return {
        physicalId: bucketName,
        attributes: {
          Arn: `arn:aws:s3:::${bucketName}`,
          DomainName: `${bucketName}.s3.amazonaws.com`,
          RegionalDomainName: `${bucketName}.s3.${request.region}.amazonaws.com`,
        },
      };
    },
    async update(request) {
      const bucket = request.physicalId;
      const before = request.oldProperties.VersioningConfiguration?.Status;
      const after = request.properties.VersioningConfiguration?.Status;
      // Versioning, once enabled, can only be suspended: that is what removing it from the template does.
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html
      const status = after ?? (before === 'Enabled' ? 'Suspended' : undefined);
      if (status !== undefined && status !== before) {
        await setVersioning(bucket, status);
      }
      if (!isDeepStrictEqual(request.oldProperties.CorsConfiguration, request.properties.CorsConfiguration)) {
        setCors(bucket, request.properties.CorsConfiguration);
      }
      return { physicalId: bucket, attributes: request.oldAttributes };
    },
    async delete(request) {
      await client.send(new DeleteBucketCommand({ Bucket: request.physicalId }));
      cors?.delete(request.physicalId);
    },
  });
}
