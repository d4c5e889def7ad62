import * as z from 'zod';
import { cfnInteger, cfnIntegerIn, cfnString, cfnStringMap } from '../cloudformation/resource-properties.ts';

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-function.html
export const functionProperties = z.looseObject({
  FunctionName: cfnString.optional(),
  Handler: cfnString.optional(),
  Runtime: cfnString.optional(),
  Timeout: cfnInteger.optional(),
  MemorySize: cfnInteger.optional(),
  ReservedConcurrentExecutions: cfnInteger.optional(),
  PackageType: z.enum(['Image', 'Zip']).optional(),
  Code: z.looseObject({
    S3Key: cfnString.optional(),
    ZipFile: cfnString.optional(),
    ImageUri: cfnString.optional(),
  }),
  Environment: z.looseObject({ Variables: cfnStringMap.optional() }).optional(),
  LoggingConfig: z.looseObject({ LogGroup: cfnString.optional() }).optional(),
});

export type FunctionProperties = z.output<typeof functionProperties>;

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-eventinvokeconfig-destinationconfig.html
const destination = z.looseObject({ Destination: cfnString }).optional();

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-eventinvokeconfig.html
export const eventInvokeConfigProperties = z.looseObject({
  FunctionName: cfnString,
  Qualifier: cfnString,
  MaximumRetryAttempts: cfnIntegerIn(0, 2).optional(),
  MaximumEventAgeInSeconds: cfnIntegerIn(60, 21_600).optional(),
  DestinationConfig: z.looseObject({ OnSuccess: destination, OnFailure: destination }).optional(),
});

export type EventInvokeConfigProperties = z.output<typeof eventInvokeConfigProperties>;

// Checked, not evaluated: routes and event sources invoke their functions directly.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-permission.html
export const permissionProperties = z.looseObject({
  Action: cfnString,
  FunctionName: cfnString,
  Principal: cfnString,
  SourceArn: cfnString.optional(),
  SourceAccount: cfnString.optional(),
});
