import { TemplateError } from '../cloudformation/template-error.ts';
import type { CreatedResource, CreateRequest, ResourceProvider } from '../cloudformation/types.ts';
import type { AsyncInvokeConfig } from './async-invocation.ts';

// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-eventinvokeconfig.html
interface EventInvokeConfigProperties {
  readonly FunctionName?: string;
  readonly Qualifier?: string;
  readonly MaximumRetryAttempts?: number;
  readonly MaximumEventAgeInSeconds?: number;
  readonly DestinationConfig?: {
    readonly OnSuccess?: { readonly Destination?: string };
    readonly OnFailure?: { readonly Destination?: string };
  };
}

/**
 * Creates `AWS::Lambda::EventInvokeConfig`: a function's asynchronous retries, event age and destinations, for
 * `$LATEST` (the local cloud has no versions or aliases). Checks the ranges CloudFormation checks.
 */
export function eventInvokeConfigProvider(queue: {
  configure(functionName: string, config: Partial<AsyncInvokeConfig>): void;
}): ResourceProvider {
  return {
    async create(request: CreateRequest): Promise<CreatedResource> {
      const properties = request.properties as EventInvokeConfigProperties;
      const where = `Resource ${request.logicalId}`;
      const functionName = properties.FunctionName?.replace(/^.*:function:/, '').replace(/:.*$/, '');
      if (!functionName) {
        throw new TemplateError(`${where} has no FunctionName`);
      }
      if (properties.Qualifier !== '$LATEST') {
        throw new TemplateError(
          `${where}: Qualifier ${properties.Qualifier ?? '(none)'} is not supported; the local cloud runs $LATEST only`,
        );
      }
      const { MaximumRetryAttempts: retries, MaximumEventAgeInSeconds: age } = properties;
      if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0 && retries <= 2)) {
        throw new TemplateError(`${where}: MaximumRetryAttempts must be 0, 1 or 2, not ${retries}`);
      }
      if (age !== undefined && !(Number.isInteger(age) && age >= 60 && age <= 21_600)) {
        throw new TemplateError(`${where}: MaximumEventAgeInSeconds must be from 60 to 21600, not ${age}`);
      }
      queue.configure(functionName, {
        ...(retries === undefined ? {} : { maximumRetryAttempts: retries }),
        ...(age === undefined ? {} : { maximumEventAgeSeconds: age }),
        onSuccess: properties.DestinationConfig?.OnSuccess?.Destination,
        onFailure: properties.DestinationConfig?.OnFailure?.Destination,
      });
      // CloudFormation's Ref for this type: the function name and qualifier.
      return { physicalId: `${functionName}:$LATEST` };
    },
  };
}
