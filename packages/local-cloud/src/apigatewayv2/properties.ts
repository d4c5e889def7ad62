import * as z from 'zod';
import { cfnString } from '../cloudformation/resource-properties.ts';

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-api.html
export const apiProperties = z.looseObject({
  Name: cfnString.optional(),
  ProtocolType: cfnString.optional(),
  RouteSelectionExpression: cfnString.optional(),
});

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-route.html
export const routeProperties = z.looseObject({
  ApiId: cfnString,
  RouteKey: cfnString,
  AuthorizationType: cfnString.optional(),
  AuthorizerId: cfnString.optional(),
  Target: cfnString.optional(),
});

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-routeresponse.html
export const routeResponseProperties = z.looseObject({
  ApiId: cfnString,
  RouteId: cfnString,
  RouteResponseKey: cfnString,
});

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-integration.html
export const integrationProperties = z.looseObject({
  ApiId: cfnString,
  IntegrationType: cfnString,
  IntegrationUri: cfnString.optional(),
});

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-authorizer.html
export const authorizerProperties = z.looseObject({
  ApiId: cfnString,
  AuthorizerType: cfnString,
  Name: cfnString,
  AuthorizerUri: cfnString.optional(),
  IdentitySource: z.array(cfnString).optional(),
});

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-deployment.html
export const deploymentProperties = z.looseObject({ ApiId: cfnString });

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-stage.html
export const stageProperties = z.looseObject({ ApiId: cfnString, StageName: cfnString });
