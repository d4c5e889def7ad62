import { type CfnElement, Stack, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** A construct's resource as cdk-nag writes it in a finding: `<LogicalId>`. */
export function nagRef(construct: IConstruct): string {
  return `<${Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement)}>`;
}

/**
 * The id of cdk-nag's IAM5 finding for a wildcard in an `execute-api` ARN, `apiPath` being what follows the
 * account (`<Api>/<Stage>/GET/path/*`). Region and account appear resolved when the stack has them, as tokens
 * otherwise, exactly as cdk-nag prints them.
 */
export function executeApiWildcardFinding(scope: IConstruct, apiPath: string): string {
  const stack = Stack.of(scope);
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  return `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:${region}:${account}:${apiPath}]`;
}
