import * as z from 'zod';
import {
  cfnBoolean,
  cfnInteger,
  cfnJson,
  cfnNumber,
  cfnString,
  cfnStringMap,
} from '../cloudformation/resource-properties.ts';

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-restapi.html
export const restApiProperties = z.looseObject({
  Name: cfnString.optional(),
  BinaryMediaTypes: z.array(cfnString).optional(),
});

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-resource.html
export const resourceProperties = z.looseObject({
  RestApiId: cfnString,
  ParentId: cfnString,
  PathPart: cfnString,
});

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-method-integrationresponse.html
const integrationResponse = z.looseObject({
  StatusCode: cfnString,
  SelectionPattern: cfnString.optional(),
  ResponseParameters: cfnStringMap.optional(),
  ResponseTemplates: cfnStringMap.optional(),
});

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-method-integration.html
const integration = z.looseObject({
  Type: cfnString,
  Uri: cfnString.optional(),
  TimeoutInMillis: cfnInteger.optional(),
  RequestTemplates: cfnStringMap.optional(),
  IntegrationResponses: z.array(integrationResponse).optional(),
});

export type IntegrationProperties = z.output<typeof integration>;
export type IntegrationResponseProperties = z.output<typeof integrationResponse>;

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-method.html
export const methodProperties = z.looseObject({
  RestApiId: cfnString,
  ResourceId: cfnString,
  HttpMethod: cfnString,
  AuthorizationType: cfnString.optional(),
  ApiKeyRequired: cfnBoolean.optional(),
  RequestValidatorId: cfnString.optional(),
  RequestModels: cfnStringMap.optional(),
  RequestParameters: z.record(z.string(), cfnBoolean).optional(),
  Integration: integration.optional(),
});

export type MethodProperties = z.output<typeof methodProperties>;

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-model.html
export const modelProperties = z.looseObject({
  RestApiId: cfnString,
  Name: cfnString.optional(),
  Schema: cfnJson.optional(),
});

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-requestvalidator.html
export const requestValidatorProperties = z.looseObject({
  RestApiId: cfnString,
  ValidateRequestBody: cfnBoolean.optional(),
  ValidateRequestParameters: cfnBoolean.optional(),
});

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-deployment.html
export const deploymentProperties = z.looseObject({ RestApiId: cfnString });

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-stage-methodsetting.html
const methodSetting = z.looseObject({
  ResourcePath: cfnString.optional(),
  HttpMethod: cfnString.optional(),
  ThrottlingRateLimit: cfnNumber.optional(),
  ThrottlingBurstLimit: cfnInteger.optional(),
});

export type MethodSettingProperties = z.output<typeof methodSetting>;

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-stage.html
export const stageProperties = z.looseObject({
  RestApiId: cfnString,
  StageName: cfnString.optional(),
  MethodSettings: z.array(methodSetting).optional(),
});

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-apikey.html
export const apiKeyProperties = z.looseObject({
  Value: cfnString.optional(),
  Enabled: cfnBoolean.optional(),
});

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-usageplan-throttlesettings.html
const throttleSettings = z.looseObject({
  RateLimit: cfnNumber.optional(),
  BurstLimit: cfnInteger.optional(),
});

export type ThrottleSettingsProperties = z.output<typeof throttleSettings>;

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-usageplan.html
export const usagePlanProperties = z.looseObject({
  // ApiStage.Throttle maps `/{resourcePath}/{httpMethod}` to that method's throttle.
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-usageplan-apistage.html
  ApiStages: z
    .array(
      z.looseObject({
        ApiId: cfnString.optional(),
        Stage: cfnString.optional(),
        Throttle: z.record(z.string(), throttleSettings).optional(),
      }),
    )
    .optional(),
  Throttle: throttleSettings.optional(),
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-usageplan-quotasettings.html
  Quota: z
    .looseObject({
      Limit: cfnInteger.optional(),
      Offset: cfnInteger.optional(),
      Period: z.enum(['DAY', 'WEEK', 'MONTH']).optional(),
    })
    .optional(),
});

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-usageplankey.html
export const usagePlanKeyProperties = z.looseObject({
  KeyId: cfnString,
  KeyType: z.enum(['API_KEY']),
  UsagePlanId: cfnString,
});

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-gatewayresponse.html
export const gatewayResponseProperties = z.looseObject({
  RestApiId: cfnString,
  ResponseType: cfnString,
  StatusCode: cfnString.optional(),
  ResponseParameters: cfnStringMap.optional(),
  ResponseTemplates: cfnStringMap.optional(),
});

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-account.html
export const accountProperties = z.looseObject({ CloudWatchRoleArn: cfnString.optional() });
