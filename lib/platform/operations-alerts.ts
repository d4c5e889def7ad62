import { Aws, Duration, type IAspect, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';

export interface OperationsAlertsProps {
  /** An address that gets every alarm by e-mail (it must confirm the subscription first). @default none */
  readonly email?: string;
}

/**
 * The topic every alarm of the stack notifies, when it fires and when it clears: subscribe a pager, a chat
 * integration or, with the context value `opsEmail`, an e-mail address. It is encrypted with a key of its own,
 * because CloudWatch cannot publish to a topic encrypted with SNS's AWS managed key: the key policy and the topic
 * policy let CloudWatch use them for this account's alarms only.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 */
export class OperationsAlerts extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: OperationsAlertsProps = {}) {
    super(scope, id);
    const alarmsOfThisAccount = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
    };
    const key = new Key(this, 'Key', {
      description: 'Encrypts the operations alerts topic; CloudWatch alarms of this account may use it.',
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: alarmsOfThisAccount,
      }),
    );
    this.topic = new Topic(this, 'Topic', {
      displayName: 'Operations alerts',
      masterKey: key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: alarmsOfThisAccount,
      }),
    );
    if (props.email) {
      this.topic.addSubscription(new EmailSubscription(props.email));
    }
  }
}

/** Makes every CloudWatch alarm in the scope it visits notify `topic` when it fires and when it clears. */
export class AlarmsNotify implements IAspect {
  constructor(private readonly topic: Topic) {}

  visit(node: IConstruct): void {
    if (node instanceof Alarm && Stack.of(node) === Stack.of(this.topic)) {
      const action = new SnsAction(this.topic);
      node.addAlarmAction(action);
      node.addOkAction(action);
    }
  }
}

/**
 * An alarm on a source queue's oldest message: its consumer has stopped or cannot keep up, and messages will
 * expire after the queue's retention period if nobody acts.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
 */
export function oldestMessageAlarm(scope: Construct, id: string, queue: IQueue, consumer: string): Alarm {
  return new Alarm(scope, id, {
    alarmDescription: `The oldest message on the queue has waited over 15 minutes: ${consumer} has stopped or cannot keep up. Messages expire after the queue's retention period.`,
    metric: queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
    threshold: Duration.minutes(15).toSeconds(),
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
}
