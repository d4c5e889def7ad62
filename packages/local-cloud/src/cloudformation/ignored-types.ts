import type * as z from 'zod';
import { generatedName } from './physical-ids.ts';
import { parseProperties } from './resource-properties.ts';
import type { CreatedResource, CreateRequest, ResourceProvider } from './types.ts';

/** A resource type the local cloud accepts without creating anything, and why that is safe. */
export interface IgnoredType {
  readonly type: string;
  readonly reason: string;
  /** The service and resource part of the ARN `Fn::GetAtt ... Arn` returns, e.g. `iam::role/`. */
  readonly arnPrefix?: string;
  /** The properties CloudFormation requires of the type, checked although nothing is created. */
  readonly properties?: z.ZodType;
}

/**
 * The provider of an ignored type: it mints a physical id and an `Arn`, and has nothing to update or delete.
 * A replacement gets a new physical id, as the replaced resource would.
 */
export function ignoredProvider(ignoredType: IgnoredType): ResourceProvider {
  return {
    async create(request: CreateRequest): Promise<CreatedResource> {
      if (ignoredType.properties) {
        parseProperties(ignoredType.properties, request);
      }
      const physicalId = generatedName(request.stackName, request.logicalId, 64, request.replaces);
      const [service, resourcePrefix] = (
        ignoredType.arnPrefix ?? `${ignoredType.type.split('::')[1]?.toLowerCase()}::`
      ).split('::');
      // IAM ARNs carry no region; every other service's does.
      const region = service === 'iam' ? '' : request.region;
      return {
        physicalId,
        attributes: {
          Arn: `arn:aws:${service}:${region}:${request.accountId}:${resourcePrefix}${physicalId}`,
        },
      };
    },
    async update(request) {
      if (ignoredType.properties) {
        parseProperties(ignoredType.properties, request);
      }
      return { physicalId: request.physicalId, attributes: request.oldAttributes };
    },
    async delete() {},
  };
}
