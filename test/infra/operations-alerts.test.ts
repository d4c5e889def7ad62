import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataSharingStack } from '../../lib/data-sharing-stack.ts';
import { readTestTemplate } from '../helpers/test-assembly.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };

let template: Template;
let resources: Record<string, Resource>;
beforeAll(() => {
  // The template the test run synthesized once (test/infra/global-setup.ts): what deploys.
  const json = readTestTemplate('DataSharingStack') as { Resources: Record<string, Resource> };
  template = Template.fromJSON(json);
  resources = json.Resources;
});

const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const topicId = () => {
  const [id] = ofType('AWS::SNS::Topic').find(([name]) => name.startsWith('OperationsAlertsTopic')) ?? [];
  if (!id) throw new Error('no operations alerts topic');
  return id;
};

describe('operations alerts', () => {
  it('makes every alarm notify the operations topic, when it fires and when it clears', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(10);
    for (const [id, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions, id).toEqual([{ Ref: topicId() }]);
      expect(alarm.Properties.OKActions, id).toEqual([{ Ref: topicId() }]);
    }
  });

  it('encrypts the topic with a rotated key of its own that CloudWatch may use, for this account’s alarms only', () => {
    const conditions = {
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: { 'aws:SourceArn': Match.anyValue() },
    };
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: conditions,
          }),
        ]),
      },
    });
    const topic = resources[topicId()] as Resource;
    expect(topic.Properties.KmsMasterKeyId).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^OperationsAlertsKey/), 'Arn'],
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId() }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: conditions,
          }),
        ]),
      },
    });
  });

  it('subscribes no one by default, and the address of the opsEmail context value when given', () => {
    expect(ofType('AWS::SNS::Subscription').filter(([, s]) => s.Properties.Protocol === 'email')).toEqual([]);
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new DataSharingStack(app, 'DataSharingStack', { opsEmail: 'oncall@example.com' });
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });
});

describe('source queues', () => {
  const sourceQueues = () =>
    ofType('AWS::SQS::Queue').filter(([, queue]) => queue.Properties.RedrivePolicy !== undefined);

  it('keep messages 10 days, less than their dead-letter queues’ 14, as AWS advises', () => {
    expect(sourceQueues().map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))).toEqual([
      'MessageQueueOrderQueue',
      'PubSubAccountingQueue',
      'PubSubShippingQueue',
      'PubSubAnalyticsQueue',
    ]);
    for (const [id, queue] of sourceQueues()) {
      expect(queue.Properties.MessageRetentionPeriod, id).toBe(10 * 86_400);
      const deadLetterId = (
        queue.Properties.RedrivePolicy as { deadLetterTargetArn: { 'Fn::GetAtt': [string] } }
      ).deadLetterTargetArn['Fn::GetAtt'][0];
      expect(resources[deadLetterId]?.Properties.MessageRetentionPeriod, deadLetterId).toBe(14 * 86_400);
    }
  });

  it('each alarm when their oldest message has waited over 15 minutes', () => {
    const ageAlarms = ofType('AWS::CloudWatch::Alarm').filter(
      ([, alarm]) => alarm.Properties.MetricName === 'ApproximateAgeOfOldestMessage',
    );
    const watched = ageAlarms.map(([, alarm]) => {
      const [dimension] = alarm.Properties.Dimensions as Array<{ Value: { 'Fn::GetAtt': [string] } }>;
      return dimension?.Value['Fn::GetAtt'][0];
    });
    expect(watched.sort()).toEqual(
      sourceQueues()
        .map(([id]) => id)
        .sort(),
    );
    for (const [id, alarm] of ageAlarms) {
      expect(alarm.Properties, id).toMatchObject({ Threshold: 900, Statistic: 'Maximum', Period: 300 });
    }
  });
});
