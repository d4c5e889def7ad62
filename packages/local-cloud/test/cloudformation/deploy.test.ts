import { describe, expect, it } from 'vitest';
import { deploymentOrder, deployStack } from '../../src/cloudformation/deploy.ts';
import { TemplateError } from '../../src/cloudformation/template-error.ts';
import type {
  CfnResource,
  CfnTemplate,
  CreateRequest,
  ResourceProvider,
} from '../../src/cloudformation/types.ts';

/** A provider that records what it was asked to create and names things after their logical id. */
function recordingProvider(created: CreateRequest[]): ResourceProvider {
  return {
    async create(request) {
      created.push(request);
      return {
        physicalId: `${request.logicalId}-physical`,
        attributes: { Arn: `arn:test:${request.logicalId}` },
      };
    },
  };
}

const base = { stackName: 'Shop', region: 'us-east-1', accountId: '000000000000', ignoredTypes: [] };

describe('deployStack', () => {
  it('creates resources after the ones they reference, whatever the template order', async () => {
    const created: CreateRequest[] = [];
    const template: CfnTemplate = {
      Resources: {
        Handler: {
          Type: 'Test::Fn',
          Properties: { Table: { Ref: 'Orders' }, Role: { 'Fn::GetAtt': ['Role', 'Arn'] } },
        },
        Role: { Type: 'Test::Role' },
        Orders: { Type: 'Test::Table', DependsOn: 'Role' },
      },
    };
    await deployStack({
      ...base,
      template,
      providers: {
        'Test::Fn': recordingProvider(created),
        'Test::Role': recordingProvider(created),
        'Test::Table': recordingProvider(created),
      },
    });
    expect(created.map((request) => request.logicalId)).toEqual(['Role', 'Orders', 'Handler']);
    expect(created[2]?.properties).toEqual({ Table: 'Orders-physical', Role: 'arn:test:Role' });
  });

  it('resolves outputs, skipping those whose condition is false', async () => {
    const template: CfnTemplate = {
      Conditions: { Never: { 'Fn::Equals': ['a', 'b'] } },
      Resources: { Orders: { Type: 'Test::Table' } },
      Outputs: {
        TableName: { Value: { Ref: 'Orders' } },
        TableArn: { Value: { 'Fn::GetAtt': ['Orders', 'Arn'] } },
        Hidden: { Value: 'x', Condition: 'Never' },
      },
    };
    const stack = await deployStack({
      ...base,
      template,
      providers: { 'Test::Table': recordingProvider([]) },
    });
    expect(stack.outputs).toEqual({ TableName: 'Orders-physical', TableArn: 'arn:test:Orders' });
  });

  it('skips resources whose condition is false', async () => {
    const created: CreateRequest[] = [];
    const template: CfnTemplate = {
      Conditions: { InChina: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'cn-north-1'] } },
      Resources: { Metadata: { Type: 'Test::Table', Condition: 'InChina' }, Orders: { Type: 'Test::Table' } },
    };
    const stack = await deployStack({
      ...base,
      template,
      providers: { 'Test::Table': recordingProvider(created) },
    });
    expect(created.map((request) => request.logicalId)).toEqual(['Orders']);
    expect([...stack.resources.keys()]).toEqual(['Orders']);
  });

  it('fails loudly with the logical id on a resource type it does not support', async () => {
    const template: CfnTemplate = { Resources: { Cluster: { Type: 'AWS::EKS::Cluster' } } };
    await expect(deployStack({ ...base, template, providers: {} })).rejects.toThrow(
      'Resource Cluster: the local cloud does not support AWS::EKS::Cluster',
    );
  });

  it('accepts ignored types and gives them a name and an ARN to reference', async () => {
    const created: CreateRequest[] = [];
    const template: CfnTemplate = {
      Resources: {
        Role: { Type: 'AWS::IAM::Role' },
        Handler: { Type: 'Test::Fn', Properties: { Role: { 'Fn::GetAtt': ['Role', 'Arn'] } } },
      },
    };
    await deployStack({
      ...base,
      template,
      providers: { 'Test::Fn': recordingProvider(created) },
      ignoredTypes: [{ type: 'AWS::IAM::Role', reason: 'not evaluated', arnPrefix: 'iam::role/' }],
    });
    expect(created[0]?.properties.Role).toMatch(/^arn:aws:iam::000000000000:role\/Shop-Role-[A-Z0-9]{12}$/);
  });

  it('names the resource whose provider failed', async () => {
    const template: CfnTemplate = { Resources: { Orders: { Type: 'Test::Table' } } };
    const failing: ResourceProvider = {
      create: async () => {
        throw new Error('ResourceInUseException: table exists');
      },
    };
    await expect(deployStack({ ...base, template, providers: { 'Test::Table': failing } })).rejects.toThrow(
      'Resource Orders (Test::Table) failed to create: ResourceInUseException: table exists',
    );
  });

  it('fails on a GetAtt of an attribute the resource does not have', async () => {
    const template: CfnTemplate = {
      Resources: {
        Orders: { Type: 'Test::Table' },
        Handler: { Type: 'Test::Table', Properties: { X: { 'Fn::GetAtt': ['Orders', 'StreamArn'] } } },
      },
    };
    await expect(
      deployStack({ ...base, template, providers: { 'Test::Table': recordingProvider([]) } }),
    ).rejects.toThrow('Fn::GetAtt Orders.StreamArn: Test::Table has no such attribute here');
  });
});

describe('deployStack creating resources concurrently', () => {
  /** A provider whose creations each take `delayMs`, counting how many run at once. */
  function timedProvider(delaysMs: Record<string, number>, log: string[]) {
    let inFlight = 0;
    let mostInFlight = 0;
    const provider: ResourceProvider = {
      async create(request) {
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        log.push(`start ${request.logicalId}`);
        await new Promise((resolve) => setTimeout(resolve, delaysMs[request.logicalId] ?? 0));
        log.push(`end ${request.logicalId}`);
        inFlight -= 1;
        return {
          physicalId: `${request.logicalId}-physical`,
          attributes: { Arn: `arn:test:${request.logicalId}` },
        };
      },
    };
    return { provider, mostInFlight: () => mostInFlight };
  }

  const fanIn: CfnTemplate = {
    Resources: {
      Orders: { Type: 'Test::R' },
      Receipts: { Type: 'Test::R' },
      Events: { Type: 'Test::R' },
      Handler: {
        Type: 'Test::R',
        Properties: {
          Tables: [{ Ref: 'Orders' }, { 'Fn::GetAtt': ['Receipts', 'Arn'] }],
          Stream: { 'Fn::Sub': '${Events.Arn}/stream' },
        },
      },
    },
  };

  it('creates resources that do not depend on each other at the same time, and a dependent one after them all', async () => {
    const log: string[] = [];
    const { provider, mostInFlight } = timedProvider({ Orders: 30, Receipts: 5, Events: 15 }, log);
    const stack = await deployStack({ ...base, template: fanIn, providers: { 'Test::R': provider } });
    expect(mostInFlight()).toBe(3);
    expect(log.slice(0, 3).sort()).toEqual(['start Events', 'start Orders', 'start Receipts']);
    expect(log.indexOf('start Handler')).toBeGreaterThan(log.indexOf('end Orders'));
    expect(stack.resources.get('Handler')?.properties).toEqual({
      Tables: ['Orders-physical', 'arn:test:Receipts'],
      Stream: 'arn:test:Events/stream',
    });
  });

  it('lists the resources in dependency and template order, whatever order they were created in', async () => {
    const { provider } = timedProvider({ Orders: 30, Receipts: 5, Events: 15 }, []);
    const stack = await deployStack({ ...base, template: fanIn, providers: { 'Test::R': provider } });
    expect([...stack.resources.keys()]).toEqual(['Orders', 'Receipts', 'Events', 'Handler']);
  });

  it('keeps to the concurrency it is given', async () => {
    const { provider, mostInFlight } = timedProvider({ Orders: 10, Receipts: 10, Events: 10 }, []);
    await deployStack({ ...base, template: fanIn, providers: { 'Test::R': provider }, concurrency: 2 });
    expect(mostInFlight()).toBe(2);
  });

  it('names the resource that failed and creates nothing after it', async () => {
    const created: string[] = [];
    const failing: ResourceProvider = {
      async create(request) {
        if (request.logicalId === 'Receipts') {
          throw new Error('ValidationException: bad key schema');
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
        created.push(request.logicalId);
        return { physicalId: request.logicalId };
      },
    };
    const template: CfnTemplate = {
      Resources: {
        ...fanIn.Resources,
        Unrelated: { Type: 'Test::R', DependsOn: 'Orders' },
      },
    };
    await expect(
      deployStack({ ...base, template, providers: { 'Test::R': failing }, concurrency: 2 }),
    ).rejects.toThrow('Resource Receipts (Test::R) failed to create: ValidationException: bad key schema');
    // Orders was under way when Receipts failed; Events (no slot yet), Handler and Unrelated never started.
    expect(created).toEqual(['Orders']);
  });
});

describe('deployStack errors', () => {
  it('names the type of a resource whose provider refuses it by its logical id only', async () => {
    const refusing: ResourceProvider = {
      async create(request) {
        throw new TemplateError(`Resource ${request.logicalId}: runtime python3.12 is not supported`);
      },
    };
    const template: CfnTemplate = { Resources: { Handler: { Type: 'Test::Fn' } } };
    await expect(deployStack({ ...base, template, providers: { 'Test::Fn': refusing } })).rejects.toThrow(
      new TemplateError('Resource Handler: runtime python3.12 is not supported (type Test::Fn)'),
    );
  });
});

describe('deploymentOrder', () => {
  it('reports a circular dependency with the resources involved', () => {
    const resources = new Map<string, CfnResource>([
      ['A', { Type: 'T', Properties: { B: { Ref: 'B' } } }],
      ['B', { Type: 'T', Properties: { A: { Ref: 'A' } } }],
    ]);
    expect(() => deploymentOrder(resources)).toThrow('Circular dependency between resources: A, B');
  });

  it('fails when DependsOn names a resource that is not created', () => {
    const resources = new Map<string, CfnResource>([['A', { Type: 'T', DependsOn: ['Ghost'] }]]);
    expect(() => deploymentOrder(resources)).toThrow(
      'Resource A: DependsOn names Ghost, which is not created',
    );
  });
});
