import { TemplateError } from '../cloudformation/template-error.ts';
import type {
  CreatedResource,
  CreateRequest,
  DeleteRequest,
  ResourceProvider,
} from '../cloudformation/types.ts';
import type { AsyncInvokeConfig } from './async-invocation.ts';

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-eventinvokeconfig.html
interface EventInvokeConfigProperties {
  readonly FunctionName?: string;
  readonly Qualifier?: string;
  readonly MaximumRetryAttempts?: number | string;
  readonly MaximumEventAgeInSeconds?: number | string;
  readonly DestinationConfig?: {
    readonly OnSuccess?: { readonly Destination?: string };
    readonly OnFailure?: { readonly Destination?: string };
  };
}

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
  return {
    create: (request) => configure(queue, request),
    update: (request) => configure(queue, request),
    async delete(request: DeleteRequest): Promise<void> {
      queue.configure(request.physicalId.replace(/:\$LATEST$/, ''), {});
    },
  };
}

/** Gives a function the settings the resource describes; physical id `{name}:$LATEST`. */
async function configure(queue: EventInvokeConfigTarget, request: CreateRequest): Promise<CreatedResource> {
  const properties = request.properties as EventInvokeConfigProperties;
  const where = `Resource ${request.logicalId} (AWS::Lambda::EventInvokeConfig)`;
  // FunctionName takes a name or an ARN, optionally qualified; the name is what the queue knows.
  const functionName = properties.FunctionName?.replace(/^.*:function:/, '').replace(/:.*$/, '');
  if (!functionName) {
    throw new TemplateError(`${where} has no FunctionName`);
  }
  if (properties.Qualifier !== '$LATEST') {
    throw new TemplateError(
      `${where}: Qualifier ${properties.Qualifier ?? '(none)'} is not supported; the local cloud runs $LATEST only`,
    );
  }
  const retries = integerOrUndefined(properties.MaximumRetryAttempts);
  const age = integerOrUndefined(properties.MaximumEventAgeInSeconds);
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0 && retries <= 2)) {
    throw new TemplateError(
      `${where}: MaximumRetryAttempts must be 0, 1 or 2, not ${properties.MaximumRetryAttempts}`,
    );
  }
  if (age !== undefined && !(Number.isInteger(age) && age >= 60 && age <= 21_600)) {
    throw new TemplateError(
      `${where}: MaximumEventAgeInSeconds must be from 60 to 21600, not ${properties.MaximumEventAgeInSeconds}`,
    );
  }
  const onSuccess = properties.DestinationConfig?.OnSuccess?.Destination || undefined;
  const onFailure = properties.DestinationConfig?.OnFailure?.Destination || undefined;
  // S3 buckets take on-failure records only.
  if (onSuccess?.startsWith('arn:') && onSuccess.split(':')[2] === 's3') {
    throw new TemplateError(`${where}: an S3 bucket cannot be an OnSuccess destination`);
  }
  queue.configure(functionName, {
    ...(retries === undefined ? {} : { maximumRetryAttempts: retries }),
    ...(age === undefined ? {} : { maximumEventAgeSeconds: age }),
    ...(onSuccess ? { onSuccess } : {}),
    ...(onFailure ? { onFailure } : {}),
  });
  // Ref for this type is not documented; the resource is identified by its FunctionName and Qualifier.
  return { physicalId: `${functionName}:$LATEST` };
}

/** A template number, which intrinsics may have turned into a string. */
function integerOrUndefined(value: number | string | undefined): number | undefined {
  return value === undefined || value === '' ? undefined : Number(value);
}
