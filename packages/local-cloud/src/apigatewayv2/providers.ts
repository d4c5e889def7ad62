import { idProvider, ownId } from '../apigateway/providers.ts';
import { propertyError } from '../cloudformation/resource-properties.ts';
import type { ResourceProvider } from '../cloudformation/types.ts';
import {
  apiProperties,
  authorizerProperties,
  deploymentProperties,
  integrationProperties,
  routeProperties,
  routeResponseProperties,
  stageProperties,
} from './properties.ts';

/**
 * Providers for API Gateway v2 WebSocket APIs. `Ref` and `Fn::GetAtt` follow CloudFormation's return values
 * (`AWS::ApiGatewayV2::Api` returns the API id and `ApiEndpoint` `wss://{id}.execute-api.{region}.amazonaws.com`).
 * HTTP APIs are not emulated and fail the boot with their logical id.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-api.html
 */
export function webSocketApiProviders(): Record<string, ResourceProvider> {
  return {
    'AWS::ApiGatewayV2::Api': idProvider(
      apiProperties,
      (request, id) => {
        const protocol = request.properties.ProtocolType;
        if (protocol !== 'WEBSOCKET') {
          throw propertyError(
            request,
            'ProtocolType',
            `only WebSocket APIs (WEBSOCKET) run on the local cloud, not ${protocol ?? '(none)'}`,
          );
        }
        return id;
      },
      (request, id) => ({
        ApiId: id,
        ApiEndpoint: `wss://${id}.execute-api.${request.region}.amazonaws.com`,
      }),
    ),
    'AWS::ApiGatewayV2::Route': idProvider(routeProperties, ownId, (_request, id) => ({ RouteId: id })),
    'AWS::ApiGatewayV2::RouteResponse': idProvider(routeResponseProperties, ownId, (_request, id) => ({
      RouteResponseId: id,
    })),
    'AWS::ApiGatewayV2::Integration': idProvider(integrationProperties, ownId, (_request, id) => ({
      IntegrationId: id,
    })),
    'AWS::ApiGatewayV2::Authorizer': idProvider(authorizerProperties, ownId, (_request, id) => ({
      AuthorizerId: id,
    })),
    'AWS::ApiGatewayV2::Deployment': idProvider(deploymentProperties, ownId, (_request, id) => ({
      DeploymentId: id,
    })),
    'AWS::ApiGatewayV2::Stage': idProvider(stageProperties, (request) => request.properties.StageName),
  };
}
