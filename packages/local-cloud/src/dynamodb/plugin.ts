import { runningEmulator, type ServicePlugin } from '../service-plugin.ts';
import { tableProvider } from './table-provider.ts';

/** DynamoDB tables, on DynamoDB Local. */
export const dynamoDbPlugin: ServicePlugin = {
  service: 'DynamoDB',
  emulator: 'dynamodb',
  resourceTypes: ['AWS::DynamoDB::Table'],
  providers: (context) => ({
    'AWS::DynamoDB::Table': tableProvider(runningEmulator(context, 'dynamodb').client),
  }),
};
