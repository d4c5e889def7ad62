import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { DataSharingStack } from '../lib/data-sharing-stack.ts';

/** The app: its stack, and the security and serverless checks that every synthesis runs. */
export function dataSharingApp(): App {
  // The CDK's built-in CloudFormation validation starts a WASM engine on every synthesis (about 2 s, a third of a
  // cold `cdk synth`) and only warns. The test suite runs the same engine on the synthesized templates instead and
  // fails on any finding (test/infra/cloudformation-validate.test.ts).
  const app = new App({ builtinCloudFormationValidation: false });
  new DataSharingStack(app, 'DataSharingStack', {
    description:
      'Sharing data between applications on AWS serverless: every common integration pattern, end to end.',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    // `-c consoleOrigin=http://127.0.0.1:4020` lets the console of `npm run console` call the deployed API.
    consoleOrigin: app.node.tryGetContext('consoleOrigin'),
    // `-c opsEmail=oncall@example.com` subscribes an address to the alarms' topic.
    opsEmail: app.node.tryGetContext('opsEmail'),
  });
  // Security and serverless best practices are checked on every synth: an unacknowledged finding stops it.
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true }),
    new ServerlessChecks(app, { verbose: true }),
  );
  return app;
}
