import { runningEmulator, type ServicePlugin } from '../service-plugin.ts';
import { topicPolicyProperties } from './properties.ts';
import { subscriptionProvider } from './subscription-provider.ts';
import { topicProvider } from './topic-provider.ts';

/** SNS topics and their subscriptions, on fauxqs. */
export const snsPlugin: ServicePlugin = {
  service: 'SNS',
  emulator: 'fauxqs',
  resourceTypes: ['AWS::SNS::Topic', 'AWS::SNS::Subscription'],
  providers: (context) => {
    const { sns } = runningEmulator(context, 'fauxqs');
    return { 'AWS::SNS::Topic': topicProvider(sns), 'AWS::SNS::Subscription': subscriptionProvider(sns) };
  },
  ignored: [
    {
      type: 'AWS::SNS::TopicPolicy',
      reason: 'Resource policies are not evaluated by the emulators: anyone may publish to a local topic.',
      properties: topicPolicyProperties,
    },
  ],
};
