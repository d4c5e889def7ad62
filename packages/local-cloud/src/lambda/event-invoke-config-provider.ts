import {
  propertyError,
  type TypedCreateRequest,
  typedProvider,
} from '../cloudformation/resource-properties.ts';
import type { CreatedResource, ResourceProvider } from '../cloudformation/types.ts';
import type { AsyncInvokeConfig } from './async-invocation.ts';
import { type EventInvokeConfigProperties, eventInvokeConfigProperties } from './properties.ts';

/** Where the provider puts a function's settings: the asynchronous invocation queue. */
export interface EventInvokeConfigTarget {
  configure(functionName: string, config: Partial<AsyncInvokeConfig>): void;
}

/**
 * Creates `AWS::Lambda::EventInvokeConfig`: a function's asynchronous retries, event age and destinations, for
 * `$LATEST` (the local cloud publishes no versions or aliases). Checks the ranges CloudFormation checks. An update
 * replaces the settings, as PutFunctionEventInvokeConfig does; a delete brings back Lambda's defaults, as
 * DeleteFunctionEventInvokeConfig does.
 */
export function eventInvokeConfigProvider(queue: EventInvokeConfigTarget): ResourceProvider {
  return typedProvider(eventInvokeConfigProperties, {
    create: (request) => configure(queue, request),
    update: (request) => configure(queue, request),
    async delete(request) {
      queue.configure(request.physicalId.replace(/:\$LATEST$/, ''), {});
    },
  });
}

/** Gives a function the settings the resource describes; physical id `{name}:$LATEST`. */
async function configure(
  queue: EventInvokeConfigTarget,
  request: TypedCreateRequest<EventInvokeConfigProperties>,
): Promise<CreatedResource> {
  const properties = request.properties;
  // FunctionName takes a name or an ARN, optionally qualified; the name is what the queue knows.
  const functionName = properties.FunctionName.replace(/^.*:function:/, '').replace(/:.*$/, '');
  if (!functionName) {
    throw propertyError(
      request,
      'FunctionName',
      `${JSON.stringify(properties.FunctionName)} names no function`,
    );
  }
  if (properties.Qualifier !== '$LATEST') {
    throw propertyError(
      request,
      'Qualifier',
      `${properties.Qualifier} is not supported; the local cloud runs $LATEST only`,
    );
  }
  const onSuccess = properties.DestinationConfig?.OnSuccess?.Destination || undefined;
  const onFailure = properties.DestinationConfig?.OnFailure?.Destination || undefined;
  // S3 buckets take on-failure records only.
  if (onSuccess?.startsWith('arn:') && onSuccess.split(':')[2] === 's3') {
    throw propertyError(
      request,
      'DestinationConfig.OnSuccess.Destination',
      'an S3 bucket cannot be an OnSuccess destination',
    );
  }
  const { MaximumRetryAttempts: retries, MaximumEventAgeInSeconds: age } = properties;
  queue.configure(functionName, {
    ...(retries === undefined ? {} : { maximumRetryAttempts: retries }),
    ...(age === undefined ? {} : { maximumEventAgeSeconds: age }),
    ...(onSuccess ? { onSuccess } : {}),
    ...(onFailure ? { onFailure } : {}),
  });
  // Ref for this type is not documented; the resource is identified by its FunctionName and Qualifier.
  return { physicalId: `${functionName}:$LATEST` };
}
