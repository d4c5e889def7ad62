import { generatedName } from '../cloudformation/physical-ids.ts';
import { TemplateError } from '../cloudformation/template-error.ts';
import type { CreatedResource, CreateRequest, ResourceProvider } from '../cloudformation/types.ts';

/**
 * `AWS::Lambda::LayerVersion`: a version of a layer whose content is a staged asset of the cloud assembly. Ref and
 * `LayerVersionArn`: `arn:aws:lambda:{region}:{account}:layer:{name}:{version}`, each new version numbered after
 * the last. Functions are not given the layer's content under /opt: the local cloud accepts layers so that
 * templates with CDK's own (the AWS CLI layer of BucketDeployment's handler, which never runs locally) boot.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-layerversion.html
 */
export function layerVersionProvider(assetsByObjectKey: ReadonlyMap<string, string>): ResourceProvider {
  const versions = new Map<string, number>();
  // Every property change replaces a layer version: an update publishes a new one, whose new ARN has the old one
  // deleted in the cleanup.
  const publish = async (request: CreateRequest): Promise<CreatedResource> => {
    const properties = request.properties as { LayerName?: unknown; Content?: { S3Key?: unknown } };
    const key = properties.Content?.S3Key;
    if (typeof key !== 'string' || !assetsByObjectKey.has(key)) {
      throw new TemplateError(
        `Resource ${request.logicalId}: layer content ${String(key ?? '(no S3Key)')} is not an asset of this cloud assembly`,
      );
    }
    const name =
      typeof properties.LayerName === 'string'
        ? properties.LayerName
        : generatedName(request.stackName, request.logicalId, 64);
    const version = (versions.get(name) ?? 0) + 1;
    versions.set(name, version);
    const arn = `arn:aws:lambda:${request.region}:${request.accountId}:layer:${name}:${version}`;
    return { physicalId: arn, attributes: { LayerVersionArn: arn } };
  };
  return { create: publish, update: publish, async delete() {} };
}
