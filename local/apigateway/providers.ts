import { randomBytes } from 'node:crypto';
import { shortId } from '../cloudformation/physical-ids.ts';
import type { CreatedResource, CreateRequest, ResourceProvider } from '../cloudformation/types.ts';

/** Attribute under which the local cloud keeps an API key's value (CloudFormation exposes none). */
export const API_KEY_VALUE_ATTRIBUTE = '__Value';

const API_KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A generated API key value: 40 alphanumeric characters, as API Gateway generates them. */
function newApiKeyValue(): string {
  return [...randomBytes(40)].map((byte) => API_KEY_ALPHABET[byte % API_KEY_ALPHABET.length]).join('');
}

/** A provider that only mints an id; the API server reads the resolved properties from the deployed stack. */
function idProvider(
  physicalId: (request: CreateRequest, id: string) => string,
  attributes: (request: CreateRequest, id: string) => Record<string, unknown> = () => ({}),
): ResourceProvider {
  return {
    async create(request: CreateRequest): Promise<CreatedResource> {
      // Ids derive from the stack and logical id, so URLs stay the same from one boot to the next.
      const id = shortId(`${request.stackName}/${request.logicalId}`);
      return { physicalId: physicalId(request, id), attributes: attributes(request, id) };
    },
  };
}

const ownId = (_request: CreateRequest, id: string): string => id;

/**
 * Providers for the API Gateway REST API (v1) resource types. Ref values follow CloudFormation's return values:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/AWS_ApiGateway.html
 */
export function restApiProviders(): Record<string, ResourceProvider> {
  return {
    'AWS::ApiGateway::RestApi': idProvider(ownId, (_request, id) => ({
      RootResourceId: shortId(`${id}/root`),
      RestApiId: id,
    })),
    'AWS::ApiGateway::Resource': idProvider(ownId, (_request, id) => ({ ResourceId: id })),
    'AWS::ApiGateway::Method': idProvider(ownId),
    'AWS::ApiGateway::Model': idProvider((request, id) => String(request.properties.Name ?? `Model${id}`)),
    'AWS::ApiGateway::RequestValidator': idProvider(ownId, (_request, id) => ({ RequestValidatorId: id })),
    'AWS::ApiGateway::Deployment': idProvider(ownId, (_request, id) => ({ DeploymentId: id })),
    'AWS::ApiGateway::Stage': idProvider((request) => String(request.properties.StageName)),
    'AWS::ApiGateway::ApiKey': idProvider(ownId, (request, id) => ({
      APIKeyId: id,
      [API_KEY_VALUE_ATTRIBUTE]:
        typeof request.properties.Value === 'string' ? request.properties.Value : newApiKeyValue(),
    })),
    'AWS::ApiGateway::UsagePlan': idProvider(ownId, (_request, id) => ({ Id: id })),
    'AWS::ApiGateway::UsagePlanKey': idProvider(ownId, (_request, id) => ({ Id: id })),
    'AWS::ApiGateway::GatewayResponse': idProvider(ownId),
    'AWS::ApiGateway::Account': idProvider(ownId),
  };
}
