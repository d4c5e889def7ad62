import * as z from 'zod';
import { cfnInteger, cfnString } from '../cloudformation/resource-properties.ts';

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kinesis-stream.html
export const streamProperties = z.looseObject({
  Name: cfnString.optional(),
  ShardCount: cfnInteger.optional(),
  RetentionPeriodHours: cfnInteger.optional(),
  StreamModeDetails: z.looseObject({ StreamMode: z.enum(['ON_DEMAND', 'PROVISIONED']) }).optional(),
});

export type StreamProperties = z.output<typeof streamProperties>;
