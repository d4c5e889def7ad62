import { describe, expect, it } from 'vitest';
import { deployStack } from '../../src/cloudformation/deploy.ts';
import type { CfnTemplate, DeployedStack, ResourceProvider } from '../../src/cloudformation/types.ts';
import { beginStackUpdate, updateStack } from '../../src/cloudformation/update-stack.ts';

/**
 * A provider that records every call as `create X`, `update X`, `delete X/<physical id>` in `calls`. Physical ids
 * count the creations of a logical id (`X#1`, `X#2`), so a replacement is visible; `Stream` attributes follow the
 * `Streamed` property, as a table's StreamArn follows its StreamSpecification. `failOn` makes a call throw.
 */
function fakeProvider(calls: string[], failOn: ReadonlySet<string> = new Set()): ResourceProvider {
  const generations = new Map<string, number>();
  const check = (call: string) => {
    calls.push(call);
    if (failOn.has(call)) {
      throw new Error(`${call} refused`);
    }
  };
  const attributes = (physicalId: string, properties: Readonly<Record<string, unknown>>) => ({
    Arn: `arn:test:${physicalId}`,
    ...(properties.Streamed
      ? { Stream: `arn:test:${physicalId}/stream/${String(properties.Streamed)}` }
      : {}),
  });
  return {
    async create(request) {
      check(`create ${request.logicalId}`);
      const generation = (generations.get(request.logicalId) ?? 0) + 1;
      generations.set(request.logicalId, generation);
      const physicalId = `${request.logicalId}#${generation}`;
      if (request.replaces !== undefined && request.replaces === physicalId) {
        throw new Error('a replacement must not take the name of what it replaces');
      }
      return { physicalId, attributes: attributes(physicalId, request.properties) };
    },
    async update(request) {
      check(`update ${request.logicalId}`);
      return {
        physicalId: request.physicalId,
        attributes: attributes(request.physicalId, request.properties),
      };
    },
    async delete(request) {
      check(`delete ${request.physicalId}`);
    },
  };
}

const STACK = { stackName: 'Shop', region: 'us-east-1', accountId: '000000000000', ignoredTypes: [] };

async function deployed(
  template: CfnTemplate,
  provider: ResourceProvider,
): Promise<{ stack: DeployedStack; template: CfnTemplate; providers: Record<string, ResourceProvider> }> {
  const providers = {
    'AWS::DynamoDB::Table': provider,
    'AWS::SQS::Queue': provider,
    'AWS::Lambda::Function': provider,
    'AWS::Lambda::EventSourceMapping': provider,
  };
  return { stack: await deployStack({ ...STACK, template, providers }), template, providers };
}

const BASE: CfnTemplate = {
  Resources: {
    Orders: { Type: 'AWS::DynamoDB::Table', Properties: { KeySchema: 'id' } },
    Jobs: { Type: 'AWS::SQS::Queue', Properties: { Visibility: 30 } },
    Worker: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Env: { TABLE: { Ref: 'Orders' }, QUEUE: { Ref: 'Jobs' } },
        Stack: { Ref: 'AWS::StackId' },
      },
    },
    Mapping: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: { FunctionName: { Ref: 'Worker' }, EventSourceArn: { 'Fn::GetAtt': ['Jobs', 'Arn'] } },
    },
  },
  Outputs: { QueueArn: { Value: { 'Fn::GetAtt': ['Jobs', 'Arn'] } } },
};

/** BASE with changes to its resources' properties (`undefined` removes a resource). */
function edited(
  changes: Record<string, Record<string, unknown> | undefined>,
  extra: CfnTemplate['Resources'] = {},
): CfnTemplate {
  const resources: Record<string, CfnTemplate['Resources'][string]> = {};
  for (const [logicalId, resource] of Object.entries(BASE.Resources)) {
    if (logicalId in changes && changes[logicalId] === undefined) {
      continue;
    }
    resources[logicalId] = { ...resource, Properties: { ...resource.Properties, ...changes[logicalId] } };
  }
  return { ...BASE, Resources: { ...resources, ...extra } };
}

describe('updateStack', () => {
  it('leaves unchanged resources alone: no provider call, same physical ids, same StackId', async () => {
    const calls: string[] = [];
    const { stack, template, providers } = await deployed(BASE, fakeProvider(calls));
    calls.length = 0;
    const result = await updateStack({
      current: stack,
      currentTemplate: template,
      template: BASE,
      providers,
      ignoredTypes: [],
    });
    expect(calls).toEqual([]);
    expect(result.stack.resources.get('Worker')).toBe(stack.resources.get('Worker'));
    expect(result.stack.stackId).toBe(stack.stackId);
    expect(result.summary).toMatchObject({ created: [], updated: [], replaced: [], deleted: [] });
  });

  it('updates changed resources in place and what references them only when a resolved value changes', async () => {
    const calls: string[] = [];
    const { stack, template, providers } = await deployed(BASE, fakeProvider(calls));
    calls.length = 0;
    const result = await updateStack({
      current: stack,
      currentTemplate: template,
      template: edited({ Jobs: { Visibility: 60 } }),
      providers,
      ignoredTypes: [],
    });
    // The queue keeps its physical id, so the function's environment and the mapping's source resolve the same.
    expect(calls).toEqual(['update Jobs']);
    expect(result.summary.updated).toEqual(['Jobs']);
    expect(result.stack.resources.get('Jobs')?.physicalId).toBe('Jobs#1');
  });

  it('creates a replacement first, updates what references it, and deletes the old one in the cleanup', async () => {
    const calls: string[] = [];
    const { stack, template, providers } = await deployed(BASE, fakeProvider(calls));
    calls.length = 0;
    // A custom-named queue cannot be replaced: refused before anything changes.
    const named = await deployed(edited({ Jobs: { QueueName: 'jobs' } }), fakeProvider(calls));
    calls.length = 0;
    const refused = await updateStack({
      current: named.stack,
      currentTemplate: named.template,
      template: edited({ Jobs: { QueueName: 'jobs', FifoQueue: true } }),
      providers,
      ignoredTypes: [],
    }).catch((error: Error) => error);
    expect((refused as Error).message).toBe(
      'Resource Jobs: CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename "jobs" and update the stack again.',
    );
    expect(calls).toEqual([]);

    // A new key schema replaces the table; a changed EventSourceArn replaces the mapping.
    const replaced = await updateStack({
      current: stack,
      currentTemplate: template,
      template: edited({
        Mapping: { EventSourceArn: 'arn:test:elsewhere' },
        Orders: { KeySchema: 'orderId' },
      }),
      providers,
      ignoredTypes: [],
    });
    expect(calls).toEqual([
      'create Orders',
      // The function gets the new table's name, in place.
      'update Worker',
      'create Mapping',
      // Cleanup, dependents first.
      'delete Mapping#1',
      'delete Orders#1',
    ]);
    expect(replaced.summary).toMatchObject({ replaced: ['Orders', 'Mapping'], updated: ['Worker'] });
    expect(replaced.stack.resources.get('Worker')?.properties.Env).toEqual({
      TABLE: 'Orders#2',
      QUEUE: 'Jobs#1',
    });
  });

  it('replaces a resource when a replacing property resolves to a new value through an updated dependency', async () => {
    const calls: string[] = [];
    const template: CfnTemplate = {
      Resources: {
        Orders: { Type: 'AWS::DynamoDB::Table', Properties: { Streamed: 'v1' } },
        Mapping: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: { FunctionName: 'f', EventSourceArn: { 'Fn::GetAtt': ['Orders', 'Stream'] } },
        },
      },
    };
    const provider = fakeProvider(calls);
    const providers = { 'AWS::DynamoDB::Table': provider, 'AWS::Lambda::EventSourceMapping': provider };
    const stack = await deployStack({ ...STACK, template, providers });
    calls.length = 0;
    const result = await updateStack({
      current: stack,
      currentTemplate: template,
      template: {
        Resources: {
          ...template.Resources,
          Orders: { Type: 'AWS::DynamoDB::Table', Properties: { Streamed: 'v2' } },
        },
      },
      providers,
      ignoredTypes: [],
    });
    // The table is updated in place, its stream ARN changes, and a mapping on a new stream is a new mapping.
    expect(calls).toEqual(['update Orders', 'create Mapping', 'delete Mapping#1']);
    expect(result.stack.resources.get('Mapping')?.properties.EventSourceArn).toBe(
      'arn:test:Orders#1/stream/v2',
    );
  });

  it('creates new resources in dependency order and deletes removed ones in reverse, outputs resolved again', async () => {
    const calls: string[] = [];
    const { stack, template, providers } = await deployed(BASE, fakeProvider(calls));
    calls.length = 0;
    const result = await updateStack({
      current: stack,
      currentTemplate: template,
      template: {
        Resources: {
          Orders: BASE.Resources.Orders as CfnTemplate['Resources'][string],
          Audit: {
            Type: 'AWS::Lambda::Function',
            Properties: { Source: { 'Fn::GetAtt': ['AuditQueue', 'Arn'] } },
          },
          AuditQueue: { Type: 'AWS::SQS::Queue' },
        },
        Outputs: { AuditQueueArn: { Value: { 'Fn::GetAtt': ['AuditQueue', 'Arn'] } } },
      },
      providers,
      ignoredTypes: [],
    });
    expect(calls).toEqual([
      'create AuditQueue',
      'create Audit',
      'delete Mapping#1',
      'delete Worker#1',
      'delete Jobs#1',
    ]);
    expect(result.summary).toMatchObject({
      created: ['AuditQueue', 'Audit'],
      deleted: ['Mapping', 'Worker', 'Jobs'],
    });
    expect(result.stack.outputs).toEqual({ AuditQueueArn: 'arn:test:AuditQueue#1' });
    expect([...result.stack.resources.keys()].sort()).toEqual(['Audit', 'AuditQueue', 'Orders']);
  });

  it('keeps removed and replaced resources whose policies retain them', async () => {
    const calls: string[] = [];
    const retained: CfnTemplate = {
      Resources: {
        Orders: {
          Type: 'AWS::DynamoDB::Table',
          Properties: { KeySchema: 'id' },
          DeletionPolicy: 'Retain',
          UpdateReplacePolicy: 'Retain',
        },
        Archive: { Type: 'AWS::DynamoDB::Table', Properties: { KeySchema: 'id' }, DeletionPolicy: 'Retain' },
      },
    };
    const provider = fakeProvider(calls);
    const providers = { 'AWS::DynamoDB::Table': provider };
    const stack = await deployStack({ ...STACK, template: retained, providers });
    calls.length = 0;
    const result = await updateStack({
      current: stack,
      currentTemplate: retained,
      template: {
        Resources: {
          Orders: {
            ...(retained.Resources.Orders as CfnTemplate['Resources'][string]),
            Properties: { KeySchema: 'orderId' },
          },
        },
      },
      providers,
      ignoredTypes: [],
    });
    expect(calls).toEqual(['create Orders']);
    expect(result.summary).toMatchObject({
      replaced: ['Orders'],
      deleted: [],
      retained: ['Archive', 'Orders'],
    });
  });

  it('rolls back what it did when a resource fails, last first, and throws the provider error', async () => {
    const calls: string[] = [];
    const { stack, template, providers } = await deployed(
      BASE,
      fakeProvider(calls, new Set(['update Mapping'])),
    );
    calls.length = 0;
    const error = await updateStack({
      current: stack,
      currentTemplate: template,
      template: withExtraFirst(
        edited({ Jobs: { Visibility: 90 }, Worker: { Memory: 512 }, Mapping: { BatchSize: 5 } }),
      ),
      providers,
      ignoredTypes: [],
    }).catch((caught: Error) => caught);
    expect((error as Error).message).toBe(
      'Resource Mapping (AWS::Lambda::EventSourceMapping) failed to update: update Mapping refused',
    );
    expect(calls).toEqual([
      'create Extra',
      'update Jobs',
      'update Worker',
      'update Mapping',
      // Rollback, last first: the updated resources get their old properties back, the new queue goes.
      'update Worker',
      'update Jobs',
      'delete Extra#1',
    ]);
  });

  it('reports a rollback that fails too, and a cleanup that fails without failing the update', async () => {
    const calls: string[] = [];
    const { stack, template, providers } = await deployed(
      BASE,
      fakeProvider(calls, new Set(['create Extra', 'delete Jobs#1'])),
    );
    const failed = await updateStack({
      current: stack,
      currentTemplate: template,
      template: edited({}, { Extra: { Type: 'AWS::SQS::Queue' } }),
      providers,
      ignoredTypes: [],
    }).catch((caught: Error) => caught);
    expect((failed as Error).message).toBe(
      'Resource Extra (AWS::SQS::Queue) failed to create: create Extra refused',
    );

    calls.length = 0;
    const pending = await beginStackUpdate({
      current: stack,
      currentTemplate: template,
      template: {
        ...edited({ Jobs: undefined, Mapping: undefined, Worker: { Env: { TABLE: { Ref: 'Orders' } } } }),
        Outputs: {},
      },
      providers,
      ignoredTypes: [],
    });
    expect(calls).toEqual(['update Worker']);
    const summary = await pending.commit();
    expect(calls).toEqual(['update Worker', 'delete Mapping#1', 'delete Jobs#1']);
    expect(summary.deleted).toEqual(['Mapping', 'Jobs']);
    expect(summary.cleanupFailures).toEqual([
      {
        logicalId: 'Jobs',
        message: 'Resource Jobs (AWS::SQS::Queue) failed to delete: delete Jobs#1 refused',
      },
    ]);
  });

  it('undoes a pending update on request, before its cleanup', async () => {
    const calls: string[] = [];
    const { stack, template, providers } = await deployed(BASE, fakeProvider(calls));
    calls.length = 0;
    const pending = await beginStackUpdate({
      current: stack,
      currentTemplate: template,
      template: edited({ Orders: { KeySchema: 'orderId' } }),
      providers,
      ignoredTypes: [],
    });
    expect(await pending.rollback()).toEqual([]);
    expect(calls).toEqual(['create Orders', 'update Worker', 'update Worker', 'delete Orders#2']);
  });
});

/** A template with a new queue, `Extra`, first in template order (it depends on nothing). */
function withExtraFirst(template: CfnTemplate): CfnTemplate {
  return { ...template, Resources: { Extra: { Type: 'AWS::SQS::Queue' }, ...template.Resources } };
}
