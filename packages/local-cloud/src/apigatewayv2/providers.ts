import { idProvider, ownId } from '../apigateway/providers.ts';
import { TemplateError } from '../cloudformation/template-error.ts';
import type { ResourceProvider } from '../cloudformation/types.ts';

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
