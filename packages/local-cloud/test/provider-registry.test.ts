import { describe, expect, it } from 'vitest';
import type { ResourceProvider } from '../src/cloudformation/types.ts';
import { ProviderRegistry } from '../src/provider-registry.ts';
import type { ProviderContext, ServicePlugin } from '../src/service-plugin.ts';
import { SERVICES } from '../src/services.ts';

const noop: ResourceProvider = { create: async () => ({ physicalId: 'x', attributes: {} }) };

/** A context with only the emulators named running; the plugins under test read nothing else. */
function contextWith(emulators: Partial<Record<'dynamodb' | 'fauxqs' | 'kinesis', object>>): ProviderContext {
  return { emulators } as unknown as ProviderContext;
}

describe('ProviderRegistry', () => {
  const table: ServicePlugin = {
    service: 'Table',
    emulator: 'dynamodb',
    resourceTypes: ['AWS::DynamoDB::Table'],
    providers: () => ({ 'AWS::DynamoDB::Table': noop }),
  };
  const api: ServicePlugin = {
    service: 'Api',
    resourceTypes: ['AWS::ApiGateway::RestApi'],
    providers: () => ({ 'AWS::ApiGateway::RestApi': noop }),
    ignored: [{ type: 'AWS::IAM::Role', reason: 'not evaluated' }],
  };

  it('starts only the emulators of the types an assembly has', () => {
    const registry = new ProviderRegistry([table, api]);
    expect([...registry.emulatorsFor(['AWS::ApiGateway::RestApi', 'AWS::IAM::Role'])]).toEqual([]);
    expect([...registry.emulatorsFor(['AWS::DynamoDB::Table', 'AWS::Unknown::Thing'])]).toEqual(['dynamodb']);
  });

  it('builds the providers of a plugin only while its emulator runs', () => {
    const registry = new ProviderRegistry([table, api]);
    expect(Object.keys(registry.providers(contextWith({})))).toEqual(['AWS::ApiGateway::RestApi']);
    expect(Object.keys(registry.providers(contextWith({ dynamodb: {} }))).sort()).toEqual([
      'AWS::ApiGateway::RestApi',
      'AWS::DynamoDB::Table',
    ]);
  });

  it('refuses a type that two plugins claim', () => {
    expect(() => new ProviderRegistry([table, { ...table, service: 'Other' }])).toThrow(
      'AWS::DynamoDB::Table is claimed by both the Table and the Other plugins',
    );
  });

  it('refuses a plugin whose providers differ from the types it declares', () => {
    const registry = new ProviderRegistry([
      { ...api, providers: () => ({ 'AWS::ApiGateway::Stage': noop }) },
    ]);
    expect(() => registry.providers(contextWith({}))).toThrow(
      'The Api plugin made providers for other types',
    );
  });
});

describe('the services the local cloud runs', () => {
  it('creates, or knowingly ignores, each resource type of an ordinary serverless CDK app', () => {
    const types = [
      'AWS::ApiGateway::RestApi',
      'AWS::ApiGateway::Method',
      'AWS::ApiGatewayV2::Api',
      'AWS::Lambda::Function',
      'AWS::Lambda::EventSourceMapping',
      'AWS::DynamoDB::Table',
      'AWS::SQS::Queue',
      'AWS::S3::Bucket',
      'Custom::S3BucketNotifications',
      'AWS::SNS::Topic',
      'AWS::SNS::Subscription',
      'AWS::Kinesis::Stream',
    ];
    // Providers are built, not run: stand-ins for the clients and the runtime are enough.
    const context = {
      emulators: {
        dynamodb: { client: {}, streams: {} },
        fauxqs: { endpoint: 'http://127.0.0.1:1' },
        kinesis: {},
      },
      runtime: { host: {}, asyncInvocations: {}, notifications: {} },
      inputs: { assetsByObjectKey: new Map(), standIns: new Set() },
      output: () => {},
    } as unknown as ProviderContext;
    const created = Object.keys(SERVICES.providers(context));
    expect(created).toEqual(expect.arrayContaining(types));
    expect(SERVICES.ignoredTypes.map((ignored) => ignored.type)).toEqual(
      expect.arrayContaining(['AWS::IAM::Role', 'AWS::Lambda::Permission', 'AWS::CDK::Metadata']),
    );
    expect([...SERVICES.nativeCustomResources]).toContain('Custom::S3BucketNotifications');
    expect([...SERVICES.emulatorsFor(types)].sort()).toEqual(['dynamodb', 'fauxqs', 'kinesis']);
  });
});
