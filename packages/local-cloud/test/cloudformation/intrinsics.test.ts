import { describe, expect, it } from 'vitest';
import { type ResolveContext, referencedResources, resolve } from '../../src/cloudformation/intrinsics.ts';
import { TemplateError } from '../../src/cloudformation/template-error.ts';

const context: ResolveContext = {
  pseudo: {
    'AWS::AccountId': '000000000000',
    'AWS::Region': 'eu-west-1',
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'Shop',
    'AWS::StackId': 'arn:aws:cloudformation:eu-west-1:000000000000:stack/Shop/1',
  },
  parameters: { Stage: 'prod' },
  mappings: { Sizes: { small: { memory: 128 } } },
  ref: (logicalId) => {
    if (logicalId === 'Api') return 'a1b2c3';
    throw new TemplateError(`Resource ${logicalId} does not exist`);
  },
  getAtt: (logicalId, attribute) => `${logicalId}:${attribute}`,
  condition: (name) => name === 'IsProd',
};

describe('resolve', () => {
  it('resolves Ref of resources, parameters and pseudo parameters', () => {
    expect(resolve({ Ref: 'Api' }, context)).toBe('a1b2c3');
    expect(resolve({ Ref: 'Stage' }, context)).toBe('prod');
    expect(resolve({ Ref: 'AWS::Region' }, context)).toBe('eu-west-1');
  });

  it('builds the API Gateway invoke URL the way CDK writes it (Fn::Join with pseudo parameters)', () => {
    const url = {
      'Fn::Join': [
        '',
        [
          'https://',
          { Ref: 'Api' },
          '.execute-api.',
          { Ref: 'AWS::Region' },
          '.',
          { Ref: 'AWS::URLSuffix' },
          '/',
          { Ref: 'Stage' },
          '/',
        ],
      ],
    };
    expect(resolve(url, context)).toBe('https://a1b2c3.execute-api.eu-west-1.amazonaws.com/prod/');
  });

  it('accepts both forms of Fn::GetAtt', () => {
    expect(resolve({ 'Fn::GetAtt': ['Fn', 'Arn'] }, context)).toBe('Fn:Arn');
    expect(resolve({ 'Fn::GetAtt': 'Table.StreamArn' }, context)).toBe('Table:StreamArn');
  });

  it('substitutes Fn::Sub variables, attributes, pseudo parameters and keeps ${!Literal} literal', () => {
    expect(resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Api}/${Fn.Arn}/${!Keep}' }, context)).toBe(
      'arn:aws:s3:::a1b2c3/Fn:Arn/${Keep}',
    );
    expect(resolve({ 'Fn::Sub': ['${Name}-${AWS::AccountId}', { Name: { Ref: 'Stage' } }] }, context)).toBe(
      'prod-000000000000',
    );
  });

  it('selects, splits and finds in maps', () => {
    expect(resolve({ 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] }, context)).toBe('b');
    expect(resolve({ 'Fn::FindInMap': ['Sizes', 'small', 'memory'] }, context)).toBe(128);
  });

  it('evaluates conditions and Fn::If, and drops AWS::NoValue from objects and lists', () => {
    const value = {
      Memory: { 'Fn::If': ['IsProd', 1024, 128] },
      Tracing: { 'Fn::If': ['IsDev', 'Active', { Ref: 'AWS::NoValue' }] },
      List: ['a', { Ref: 'AWS::NoValue' }, 'b'],
      Both: { 'Fn::And': [{ Condition: 'IsProd' }, { 'Fn::Not': [{ 'Fn::Equals': ['x', 'y'] }] }] },
      Either: { 'Fn::Or': [{ Condition: 'IsDev' }, { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] }] },
    };
    expect(resolve(value, context)).toEqual({ Memory: 1024, List: ['a', 'b'], Both: true, Either: true });
  });

  it('fails loudly, with the path, on an unsupported intrinsic', () => {
    expect(() =>
      resolve({ Value: { 'Fn::ImportValue': 'Shared' } }, context, 'Resources.Fn.Properties'),
    ).toThrow(
      /Resources\.Fn\.Properties\.Value\.Fn::ImportValue: the local cloud does not support Fn::ImportValue/,
    );
  });

  it('fails on a Ref to a resource that does not exist', () => {
    expect(() => resolve({ Ref: 'Missing' }, context)).toThrow('Resource Missing does not exist');
  });

  it('fails on an out-of-range Fn::Select', () => {
    expect(() => resolve({ 'Fn::Select': [3, ['a']] }, context)).toThrow(/out of range/);
  });
});

describe('referencedResources', () => {
  it('finds resources named by Ref, Fn::GetAtt and Fn::Sub, ignoring parameters and pseudo parameters', () => {
    const ids = new Set(['Api', 'Fn', 'Table', 'Role']);
    const value = {
      A: { Ref: 'Api' },
      B: { 'Fn::GetAtt': ['Fn', 'Arn'] },
      C: { 'Fn::Sub': '${Table.Arn}/index/*-${AWS::Region}-${Stage}' },
      D: [{ 'Fn::GetAtt': 'Role.Arn' }],
    };
    expect([...referencedResources(value, ids)].sort()).toEqual(['Api', 'Fn', 'Role', 'Table']);
  });
});
