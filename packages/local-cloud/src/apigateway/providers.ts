import { randomBytes } from 'node:crypto';
import type * as z from 'zod';
import { generatedName, shortId } from '../cloudformation/physical-ids.ts';
import {
  type PropertiesOf,
  propertyError,
  type TypedCreateRequest,
  typedProvider,
} from '../cloudformation/resource-properties.ts';
import type { ResourceProvider } from '../cloudformation/types.ts';
import {
  accountProperties,
  apiKeyProperties,
  deploymentProperties,
  gatewayResponseProperties,
  methodProperties,
  modelProperties,
  requestValidatorProperties,
  resourceProperties,
  restApiProperties,
  stageProperties,
  usagePlanKeyProperties,
  usagePlanProperties,
} from './properties.ts';

/** Attribute under which the local cloud keeps an API key's value (CloudFormation exposes none). */
export const API_KEY_VALUE_ATTRIBUTE = '__Value';

const API_KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const GENERATED_API_KEY_LENGTH = 40;
// An API key value is an alphanumeric string of 20 to 128 characters.
// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
const MIN_API_KEY_LENGTH = 20;
const MAX_API_KEY_LENGTH = 128;

/** A generated API key value: 40 alphanumeric characters, as API Gateway generates them. */
function newApiKeyValue(): string {
  const bytes = randomBytes(GENERATED_API_KEY_LENGTH * 2);
  let value = '';
  // Rejection sampling keeps every character equally likely (248 = 4 * 62).
  for (const byte of bytes) {
    if (byte < 248 && value.length < GENERATED_API_KEY_LENGTH) {
      value += API_KEY_ALPHABET[byte % API_KEY_ALPHABET.length];
    }
  }
  return value.length === GENERATED_API_KEY_LENGTH ? value : newApiKeyValue();
}

/** The key value the template sets, checked as CreateApiKey checks it, or a generated one. */
function apiKeyValue(request: TypedCreateRequest<PropertiesOf<typeof apiKeyProperties>>): string {
  const value = request.properties.Value;
  if (value === undefined) {
    return newApiKeyValue();
  }
  if (value.length < MIN_API_KEY_LENGTH || value.length > MAX_API_KEY_LENGTH) {
    throw propertyError(
      request,
      'Value',
      `an API key must be ${MIN_API_KEY_LENGTH} to ${MAX_API_KEY_LENGTH} characters long`,
    );
  }
  return value;
}

/**
 * A provider that checks the properties and mints an id; the API server reads the resolved properties from the
 * deployed stack, and builds its routes again after an update. So an update keeps the id and attributes (an API
 * key keeps its value), and a delete has nothing to remove.
 */
export function idProvider<S extends z.ZodType>(
  schema: S,
  physicalId: (request: TypedCreateRequest<z.output<S>>, id: string) => string,
  attributes: (request: TypedCreateRequest<z.output<S>>, id: string) => Record<string, unknown> = () => ({}),
): ResourceProvider {
  return typedProvider(schema, {
    async create(request) {
      // Ids derive from the stack and logical id, so URLs stay the same from one boot to the next; a replacement
      // gets a new id, as API Gateway gives a new resource one.
      const seed = `${request.stackName}/${request.logicalId}`;
      const id = shortId(request.replaces === undefined ? seed : `${seed}/${request.replaces}`);
      return { physicalId: physicalId(request, id), attributes: attributes(request, id) };
    },
    async update(request) {
      return { physicalId: request.physicalId, attributes: request.oldAttributes };
    },
    async delete() {},
  });
}

/** The minted id as the physical id. */
export const ownId = (_request: unknown, id: string): string => id;

/** A model's name: the template's `Name`, else a generated one (model names are alphanumeric). */
function modelName(request: TypedCreateRequest<PropertiesOf<typeof modelProperties>>): string {
  return (
    request.properties.Name ??
    generatedName(request.stackName, request.logicalId, 128, request.replaces).replace(/[^A-Za-z0-9]/g, '')
  );
}

/**
 * Providers for the API Gateway REST API (v1) resource types. Ref values follow CloudFormation's return values:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/AWS_ApiGateway.html
 */
export function restApiProviders(): Record<string, ResourceProvider> {
  return {
    'AWS::ApiGateway::RestApi': idProvider(restApiProperties, ownId, (_request, id) => ({
      RootResourceId: shortId(`${id}/root`),
      RestApiId: id,
    })),
    'AWS::ApiGateway::Resource': idProvider(resourceProperties, ownId, (_request, id) => ({
      ResourceId: id,
    })),
    'AWS::ApiGateway::Method': idProvider(methodProperties, ownId),
    'AWS::ApiGateway::Model': idProvider(modelProperties, modelName),
    'AWS::ApiGateway::RequestValidator': idProvider(requestValidatorProperties, ownId, (_request, id) => ({
      RequestValidatorId: id,
    })),
    'AWS::ApiGateway::Deployment': idProvider(deploymentProperties, ownId, (_request, id) => ({
      DeploymentId: id,
    })),
    'AWS::ApiGateway::Stage': idProvider(
      stageProperties,
      (request, id) => request.properties.StageName ?? id,
    ),
    'AWS::ApiGateway::ApiKey': idProvider(apiKeyProperties, ownId, (request, id) => ({
      APIKeyId: id,
      [API_KEY_VALUE_ATTRIBUTE]: apiKeyValue(request),
    })),
    'AWS::ApiGateway::UsagePlan': idProvider(usagePlanProperties, ownId, (_request, id) => ({ Id: id })),
    'AWS::ApiGateway::UsagePlanKey': idProvider(usagePlanKeyProperties, ownId, (_request, id) => ({
      Id: id,
    })),
    'AWS::ApiGateway::GatewayResponse': idProvider(gatewayResponseProperties, ownId),
    // The account's CloudWatch role: nothing to run locally.
    'AWS::ApiGateway::Account': idProvider(accountProperties, ownId),
  };
}
