import { shortId } from '../cloudformation/physical-ids.ts';
import { TemplateError } from '../cloudformation/template-error.ts';
import type { CreatedResource, CreateRequest, ResourceProvider } from '../cloudformation/types.ts';

/** A provider that mints a stable id and the attributes CloudFormation returns; the server reads the rest. */
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
 * Providers for API Gateway v2 WebSocket APIs. `Ref` and `Fn::GetAtt` follow CloudFormation's return values
 * (`AWS::ApiGatewayV2::Api` returns the API id and `ApiEndpoint` `wss://{id}.execute-api.{region}.amazonaws.com`).
 * HTTP APIs are not emulated and fail the boot with their logical id.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-api.html
 */
export function webSocketApiProviders(): Record<string, ResourceProvider> {
  return {
    'AWS::ApiGatewayV2::Api': idProvider(
      (request, id) => {
        if (request.properties.ProtocolType !== 'WEBSOCKET') {
          throw new TemplateError(
            `Resource ${request.logicalId}: only WebSocket APIs (ProtocolType WEBSOCKET) run on the local cloud, not ${String(request.properties.ProtocolType)}`,
          );
        }
        return id;
      },
      (request, id) => ({
        ApiId: id,
        ApiEndpoint: `wss://${id}.execute-api.${request.region}.amazonaws.com`,
      }),
    ),
    'AWS::ApiGatewayV2::Route': idProvider(ownId, (_request, id) => ({ RouteId: id })),
    'AWS::ApiGatewayV2::RouteResponse': idProvider(ownId, (_request, id) => ({ RouteResponseId: id })),
    'AWS::ApiGatewayV2::Integration': idProvider(ownId, (_request, id) => ({ IntegrationId: id })),
    'AWS::ApiGatewayV2::Authorizer': idProvider(ownId, (_request, id) => ({ AuthorizerId: id })),
    'AWS::ApiGatewayV2::Deployment': idProvider(ownId, (_request, id) => ({ DeploymentId: id })),
    'AWS::ApiGatewayV2::Stage': idProvider((request) => String(request.properties.StageName)),
  };
}
