import { restApiPlugin } from './apigateway/plugin.ts';
import { webSocketApiPlugin } from './apigatewayv2/plugin.ts';
import { cloudWatchPlugin } from './cloudwatch/plugin.ts';
import { awsSdkCallPlugin } from './custom-resources/plugin.ts';
import { dynamoDbPlugin } from './dynamodb/plugin.ts';
import { eventSourcesPlugin } from './event-sources/plugin.ts';
import { iamPlugin } from './iam/plugin.ts';
import { kinesisPlugin } from './kinesis/plugin.ts';
import { kmsPlugin } from './kms/plugin.ts';
import { lambdaPlugin } from './lambda/plugin.ts';
import { logsPlugin } from './logs/plugin.ts';
import { ProviderRegistry } from './provider-registry.ts';
import { s3Plugin } from './s3/plugin.ts';
import type { ServicePlugin } from './service-plugin.ts';
import { snsPlugin } from './sns/plugin.ts';
import { sqsPlugin } from './sqs/plugin.ts';

/** Every service the local cloud runs: a new one is a folder with its plugin, added here. */
export const SERVICE_PLUGINS: readonly ServicePlugin[] = [
  restApiPlugin,
  webSocketApiPlugin,
  lambdaPlugin,
  eventSourcesPlugin,
  dynamoDbPlugin,
  sqsPlugin,
  s3Plugin,
  snsPlugin,
  kinesisPlugin,
  awsSdkCallPlugin,
  iamPlugin,
  kmsPlugin,
  logsPlugin,
  cloudWatchPlugin,
  {
    service: 'CloudFormation',
    ignored: [{ type: 'AWS::CDK::Metadata', reason: 'CDK usage metadata; no behaviour.' }],
  },
];

/** Which provider creates which resource type, and which emulator each needs. */
export const SERVICES = new ProviderRegistry(SERVICE_PLUGINS);
