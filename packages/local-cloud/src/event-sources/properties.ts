import * as z from 'zod';
import { cfnBoolean, cfnInteger, cfnNumber, cfnString } from '../cloudformation/resource-properties.ts';

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-eventsourcemapping.html
export const eventSourceMappingProperties = z.looseObject({
  FunctionName: cfnString,
  EventSourceArn: cfnString.optional(),
  Enabled: cfnBoolean.optional(),
  BatchSize: cfnInteger.optional(),
  MaximumBatchingWindowInSeconds: cfnInteger.optional(),
  MaximumRetryAttempts: cfnInteger.optional(),
  MaximumRecordAgeInSeconds: cfnInteger.optional(),
  BisectBatchOnFunctionError: cfnBoolean.optional(),
  StartingPosition: cfnString.optional(),
  StartingPositionTimestamp: cfnNumber.optional(),
  FunctionResponseTypes: z.array(cfnString).optional(),
  ScalingConfig: z.looseObject({ MaximumConcurrency: cfnInteger.optional() }).optional(),
  DestinationConfig: z
    .looseObject({ OnFailure: z.looseObject({ Destination: cfnString.optional() }).optional() })
    .optional(),
  FilterCriteria: z.looseObject({}).optional(),
  TumblingWindowInSeconds: cfnInteger.optional(),
});

export type EventSourceMappingProperties = z.output<typeof eventSourceMappingProperties>;
