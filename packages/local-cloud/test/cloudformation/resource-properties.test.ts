import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  cfnBoolean,
  cfnInteger,
  cfnJson,
  cfnNumber,
  cfnString,
  parseProperties,
  typedProvider,
} from '../../src/cloudformation/resource-properties.ts';
import { TemplateError } from '../../src/cloudformation/template-error.ts';

const owner = { stackName: 'DataSharingStack', logicalId: 'OrderQueue', type: 'AWS::SQS::Queue' };
const parse = <S extends z.ZodType>(schema: S, properties: unknown) =>
  parseProperties(schema, { ...owner, properties });

describe('CloudFormation property types', () => {
  const schema = z.looseObject({
    VisibilityTimeout: cfnInteger.optional(),
    Ratio: cfnNumber.optional(),
    FifoQueue: cfnBoolean.optional(),
    QueueName: cfnString.optional(),
    Policy: cfnJson.optional(),
  });

  it('coerces the strings CloudFormation takes for Integer, Double and Boolean, and scalars for String', () => {
    expect(
      parse(schema, { VisibilityTimeout: '30', Ratio: ' 2.5 ', FifoQueue: 'TRUE', QueueName: 42 }),
    ).toEqual({ VisibilityTimeout: 30, Ratio: 2.5, FifoQueue: true, QueueName: '42' });
    expect(parse(schema, { FifoQueue: 'false', QueueName: false })).toEqual({
      FifoQueue: false,
      QueueName: 'false',
    });
  });

  it('keeps the properties the schema does not name, so a template with more still runs', () => {
    expect(parse(schema, { VisibilityTimeout: 5, Tags: [{ Key: 'a', Value: 'b' }] })).toEqual({
      VisibilityTimeout: 5,
      Tags: [{ Key: 'a', Value: 'b' }],
    });
  });

  it.each([
    [{ VisibilityTimeout: 'abc' }, 'property VisibilityTimeout: expected number, got "abc"'],
    [{ VisibilityTimeout: 1.5 }, 'property VisibilityTimeout: expected int, got 1.5'],
    [{ FifoQueue: 'yes' }, 'property FifoQueue: expected boolean, got "yes"'],
    [{ QueueName: { Ref: 'X' } }, 'property QueueName: expected string, got {"Ref":"X"}'],
    [{ Policy: 5 }, 'property Policy: expected string or object, got 5'],
  ])('refuses %j naming the stack, resource, type and property', (properties, problem) => {
    expect(() => parse(schema, properties)).toThrow(
      new TemplateError(`DataSharingStack: resource OrderQueue (AWS::SQS::Queue): ${problem}`),
    );
  });

  it('names a missing required property and the path into nested objects and lists', () => {
    const nested = z.looseObject({
      KeySchema: z.array(z.looseObject({ AttributeName: cfnString, KeyType: z.enum(['HASH', 'RANGE']) })),
    });
    expect(() => parse(nested, {})).toThrow('property KeySchema: required, expected array');
    expect(() =>
      parse(nested, { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }, { KeyType: 'SORT' }] }),
    ).toThrow(
      'property KeySchema[1].AttributeName: required, expected string; property KeySchema[1].KeyType: expected one of "HASH", "RANGE", got "SORT"',
    );
  });
});

describe('typedProvider', () => {
  const schema = z.looseObject({ Size: cfnInteger });

  it('refuses bad properties before the provider runs, on create and on update', async () => {
    const calls: string[] = [];
    const provider = typedProvider(schema, {
      async create(request) {
        calls.push(`create ${request.properties.Size}`);
        return { physicalId: 'p' };
      },
      async update(request) {
        calls.push(`update ${request.oldProperties.Size} -> ${request.properties.Size}`);
        return { physicalId: request.physicalId };
      },
    });
    const request = { ...owner, region: 'us-east-1', accountId: '000000000000' };
    await expect(provider.create({ ...request, properties: { Size: 'big' } })).rejects.toThrow(
      'OrderQueue (AWS::SQS::Queue): property Size: expected number, got "big"',
    );
    await provider.create({ ...request, properties: { Size: '3' } });
    const update = { ...request, physicalId: 'p', oldProperties: { Size: 3 }, oldAttributes: {} };
    await expect(provider.update?.({ ...update, properties: {} })).rejects.toThrow(
      'property Size: required, expected number',
    );
    await provider.update?.({ ...update, properties: { Size: '4' } });
    expect(calls).toEqual(['create 3', 'update 3 -> 4']);
  });
});
