import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataSharingStack } from '../../lib/data-sharing-stack.ts';

/**
 * The security properties of the template that deploys. The local cloud evaluates neither IAM nor resource policies,
 * so these tests are where least privilege, encryption and TLS-only access are proven.
 */

/** The context `cdk synth` and `cdk deploy` use (cdk.json's feature flags): the policies checked are the deployed ones. */
const CDK_CONTEXT = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../cdk.json'), 'utf8'))
  .context as Record<string, unknown>;

/** An app whose functions are not bundled: nothing checked here depends on their code, and synth takes seconds. */
function unbundledApp(): App {
  return new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
}

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

interface PolicyDocument {
  readonly Statement: Statement[];
}

let app: App;
let template: { Resources: Record<string, TemplateResource>; Outputs: Record<string, { Value: unknown }> };
let resources: Record<string, TemplateResource>;

beforeAll(() => {
  app = unbundledApp();
  template = Template.fromStack(new DataSharingStack(app, 'DataSharingStack')).toJSON() as typeof template;
  resources = template.Resources;
});

/** The logical ids of the resources of a type. */
function idsOf(type: string): string[] {
  return Object.keys(resources).filter((id) => resources[id]?.Type === type);
}

/** A resource's properties, typed loosely: tests read the few they check. */
// biome-ignore lint/suspicious/noExplicitAny: template properties are arbitrary JSON.
function props(id: string): any {
  const resource = resources[id];
  if (!resource) {
    throw new Error(`No resource ${id} in the template`);
  }
  return resource.Properties ?? {};
}

/** The logical id without CDK's 8-character hash: `ApiPayloadOrdersTableB2DF462E` -> `ApiPayloadOrdersTable`. */
function unhashed(id: string): string {
  return id.replace(/[0-9A-F]{8}$/, '');
}

/**
 * A value as cdk-nag prints it: `Ref` as `<Id>`, `Fn::GetAtt` as `<Id.Attribute>`, `Fn::Join` joined, so
 * `{"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket", "Arn"]}, "/*"]]}` reads `<Bucket.Arn>/*`.
 */
function render(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (typeof object.Ref === 'string') {
      return `<${object.Ref}>`;
    }
    const getAtt = object['Fn::GetAtt'];
    if (Array.isArray(getAtt)) {
      return `<${getAtt.join('.')}>`;
    }
    const join = object['Fn::Join'];
    if (Array.isArray(join)) {
      const [separator, parts] = join as [string, unknown[]];
      return parts.map(render).join(separator);
    }
  }
  return JSON.stringify(value);
}

/** The logical ids a value refers to (`Ref`, `Fn::GetAtt`), pseudo parameters left out. */
function referencedIds(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) {
      referencedIds(item, found);
    }
  } else if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (typeof object.Ref === 'string') {
      if (!object.Ref.startsWith('AWS::')) {
        found.add(object.Ref);
      }
    } else if (Array.isArray(object['Fn::GetAtt'])) {
      found.add(String(object['Fn::GetAtt'][0]));
    } else {
      for (const item of Object.values(object)) {
        referencedIds(item, found);
      }
    }
  }
  return found;
}

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : ([value].flat() as T[]));

/** An identity policy statement, with where it is: the policy (or role) holding it and the roles it applies to. */
interface PlacedStatement {
  readonly policy: string;
  readonly index: number;
  readonly roles: readonly string[];
  readonly statement: Statement;
}

/** Every statement of every identity policy: `AWS::IAM::Policy`, `AWS::IAM::ManagedPolicy`, roles' inline policies. */
function identityStatements(): PlacedStatement[] {
  const placed: PlacedStatement[] = [];
  const add = (policy: string, roles: string[], document: PolicyDocument) =>
    document.Statement.forEach((statement, index) => {
      placed.push({ policy, index, roles, statement });
    });
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const id of idsOf(type)) {
      const roles = list<{ Ref: string }>(props(id).Roles).map((role) => role.Ref);
      add(id, roles, props(id).PolicyDocument);
    }
  }
  for (const id of idsOf('AWS::IAM::Role')) {
    for (const inline of list<{ PolicyName: string; PolicyDocument: PolicyDocument }>(props(id).Policies)) {
      add(`${id}/${inline.PolicyName}`, [id], inline.PolicyDocument);
    }
  }
  return placed;
}

/** The role of a function. */
function roleOf(functionId: string): string {
  return props(functionId).Role['Fn::GetAtt'][0];
}

/** The statements that apply to a function's role. */
function statementsOf(functionId: string): PlacedStatement[] {
  const role = roleOf(functionId);
  return identityStatements().filter((placed) => placed.roles.includes(role));
}

describe('cdk-nag: AwsSolutions and Serverless packs', () => {
  /** An acknowledgement as recorded on a construct: `Validations.of(construct).acknowledge({ id, reason })`. */
  interface Acknowledgement {
    readonly path: string;
    readonly id: string;
    readonly reason: string;
  }

  /** The acknowledgements recorded on a construct (the metadata cdk-nag reads), `Annotation::` prefix removed. */
  function acknowledgementsOn(construct: IConstruct): Acknowledgement[] {
    return construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      );
  }

  /** Every acknowledgement of a cdk-nag rule in the app. */
  function nagAcknowledgements(root: IConstruct): Acknowledgement[] {
    return root.node
      .findAll()
      .flatMap(acknowledgementsOn)
      .filter((acknowledgement) => /^(AwsSolutions|Serverless)-/.test(acknowledgement.id));
  }

  /**
   * Runs a pack over the app: what it reports (every finding not acknowledged, errors and warnings alike) and which
   * acknowledgements a finding matched. cdk-nag asks `isAcknowledged(resource, ruleId)` for each finding; the
   * wrapper notes the acknowledgement that answers, on the resource or an ancestor, as cdk-nag looks them up.
   */
  function runPack(pack: NagPack, root: IConstruct) {
    const used = new Set<Acknowledgement>();
    const internals = pack as unknown as {
      isAcknowledged: (resource: IConstruct, ruleId: string) => boolean;
    };
    const isAcknowledged = internals.isAcknowledged.bind(pack);
    internals.isAcknowledged = (resource, ruleId) => {
      for (let scope: IConstruct | undefined = resource; scope; scope = scope.node.scope) {
        for (const acknowledgement of acknowledgementsOn(scope)) {
          if (acknowledgement.id === ruleId) {
            used.add(acknowledgement);
          }
        }
      }
      return isAcknowledged(resource, ruleId);
    };
    const report = pack.validateScope(root);
    const findings = report.violations.flatMap((violation) =>
      violation.violatingResources.map(
        (resource) => `${violation.severity} ${violation.ruleName} at ${resource.constructPath}`,
      ),
    );
    return { findings, used };
  }

  const packs = () => [new AwsSolutionsChecks(), new ServerlessChecks()];

  it('reports no finding, error or warning, that is not acknowledged', () => {
    for (const pack of packs()) {
      expect(runPack(pack, app).findings, pack.readPackName).toEqual([]);
    }
  });

  it('counts warnings, not only errors', () => {
    const other = unbundledApp();
    new LogGroup(new Stack(other, 'Other'), 'KeptForever', { retention: RetentionDays.INFINITE });
    expect(runPack(new ServerlessChecks(), other).findings).toEqual([
      'warning Serverless-CloudWatchLogGroupRetentionPeriod at Other/KeptForever/Resource',
    ]);
  });

  it('lets cdk synth through with both packs registered, as bin/app.ts registers them', () => {
    const other = unbundledApp();
    new DataSharingStack(other, 'DataSharingStack');
    Validations.of(other).addPlugins(new AwsSolutionsChecks(other), new ServerlessChecks(other));
    expect(() => other.synth()).not.toThrow();
  });

  it('stops cdk synth on a finding nobody acknowledged', () => {
    const other = unbundledApp();
    new Bucket(new Stack(other, 'Other'), 'UnencryptedLogs');
    Validations.of(other).addPlugins(new AwsSolutionsChecks(other));
    expect(() => other.synth()).toThrow(/AwsSolutions-S1/);
  });

  it('acknowledges only findings that occur: no acknowledgement outlives what it excused', () => {
    const used = new Set<Acknowledgement>();
    for (const pack of packs()) {
      for (const acknowledgement of runPack(pack, app).used) {
        used.add(acknowledgement);
      }
    }
    const unused = nagAcknowledgements(app).filter(
      (acknowledgement) =>
        ![...used].some((match) => match.path === acknowledgement.path && match.id === acknowledgement.id),
    );
    expect(unused.map(({ path, id }) => `${id} at ${path}`)).toEqual([]);
  });

  it('acknowledges IAM findings one wildcard or managed policy at a time, each named', () => {
    const bare = nagAcknowledgements(app).filter(
      ({ id }) => /^AwsSolutions-IAM[45]/.test(id) && !/\[(Policy|Action|Resource)::.+\]$/.test(id),
    );
    expect(bare.map(({ path, id }) => `${id} at ${path}`)).toEqual([]);
  });

  it('gives every acknowledgement a reason of its own, not boilerplate', () => {
    const boilerplate =
      /\b(todo|tbd|fixme|n\/a|false positive|not (needed|required|applicable|relevant)|by design|accepted risk|historical reasons|suppress(ed)?|ignore[ds]?)\b/i;
    const acknowledgements = nagAcknowledgements(app);
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const { path, id, reason } of acknowledgements) {
      const where = `${id} at ${path}: "${reason}"`;
      expect(reason.trim().split(/\s+/).length, where).toBeGreaterThanOrEqual(8);
      expect(reason, where).not.toMatch(boilerplate);
      // The reason is not the rule restated: it says something the rule id does not.
      expect(reason.toLowerCase(), where).not.toContain(id.toLowerCase());
    }
  });

  it('uses one reason for two rules only when they are the same check in the two packs', () => {
    // Pairs of rules that flag the same thing, one in each pack: one reason answers both.
    const sameCheck = [
      ['AwsSolutions-L1', 'Serverless-LambdaLatestVersion'],
      ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy'],
    ];
    const idsByReason = new Map<string, Set<string>>();
    for (const { id, reason } of nagAcknowledgements(app)) {
      idsByReason.set(reason, (idsByReason.get(reason) ?? new Set()).add(id));
    }
    for (const [reason, ids] of idsByReason) {
      if (ids.size > 1) {
        const explained = sameCheck.some((pair) => [...ids].every((id) => pair.includes(id)));
        expect(explained, `"${reason}" excuses ${[...ids].join(', ')}`).toBe(true);
      }
    }
  });
});

/** A wildcard an identity policy may grant, and why it cannot name the resource. */
interface WildcardGrant {
  readonly actions: RegExp;
  /** The resource as {@link render} prints it. */
  readonly resource: RegExp;
  readonly reason: string;
}

const ARN_PREFIX = 'arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:';
const HASH = '[0-9A-F]{8}';

/** Every wildcard granted in the stack. A new one fails the tests until it is listed here with its reason. */
const WILDCARD_GRANTS: readonly WildcardGrant[] = [
  {
    actions: /^xray:(PutTraceSegments|PutTelemetryRecords)$/,
    resource: /^\*$/,
    reason:
      'X-Ray takes no resource ARN for traces: "*" is the only resource (active tracing on every function).',
  },
  {
    actions: /^dynamodb:ListStreams$/,
    resource: /^\*$/,
    reason: 'Lambda’s DynamoDB event source lists the table’s streams; ListStreams takes no resource ARN.',
  },
  {
    actions: /^logs:(CreateLogStream|PutLogEvents)$/,
    resource: new RegExp(`^<\\w+Logs${HASH}\\.Arn>$`),
    reason:
      'A log group’s Arn attribute ends in ":*", its streams; each function’s own group (checked below).',
  },
  {
    actions: /^s3:(GetObject|PutObject)$/,
    resource: new RegExp(`^<MessageQueue(Receipts|ClaimChecks)Bucket${HASH}\\.Arn>/\\*$`),
    reason: 'Receipts and claim checks are keyed by order id, known only at run time; one bucket per grant.',
  },
  {
    actions: /^s3:(GetObject|PutObject|DeleteObject|AbortMultipartUpload)$/,
    resource: new RegExp(`^<FileDropFilesBucket${HASH}\\.Arn>/(incoming|processed|quarantine)/\\*$`),
    reason: 'Files are keyed by file id, known only at run time; each grant names one prefix of the bucket.',
  },
  {
    actions: /^execute-api:Invoke$/,
    resource: new RegExp(
      `^${ARN_PREFIX}<RestApi${HASH}>/<RestApiDeploymentStageprod${HASH}>/GET/events/orders/\\*$`,
    ),
    reason: 'One method, GET /events/orders/{orderId}: the wildcard is the order id in the path.',
  },
  {
    actions: /^execute-api:ManageConnections$/,
    resource: new RegExp(`^${ARN_PREFIX}<StatusPushApi${HASH}>/prod/POST/@connections/\\*$`),
    reason: 'PostToConnection (POST) on the one WebSocket stage; connection ids exist only at run time.',
  },
];

/** Actions that read and change nothing; any other action writes (conservatively, an unknown one too). */
const READ_ONLY_ACTION =
  /^(dynamodb:(BatchGetItem|GetItem|Query|Scan|ConditionCheckItem|DescribeTable|DescribeStream|GetRecords|GetShardIterator|ListStreams)|s3:GetObject|sqs:(GetQueueAttributes|GetQueueUrl)|kinesis:(Describe\w*|Get\w*|List\w*|SubscribeToShard)|execute-api:Invoke|xray:\w+)$/;

/**
 * Who may touch what: each function (logical id without its hash) and the resources its role's statements name,
 * written when any action on them changes something, read otherwise. Its own log group is checked on its own.
 * A new grant fails the tests until this map says who may now touch what.
 */
const ACCESS: Readonly<Record<string, { readonly read?: string[]; readonly write?: string[] }>> = {
  ApiPayloadRecordOrderFunction: { write: ['ApiPayloadOrdersTable'] },
  ApiPayloadGetOrderFunction: { read: ['ApiPayloadOrdersTable'] },
  MessageQueueSubmitOrderFunction: {
    write: ['MessageQueueClaimChecksBucket', 'MessageQueueOrderQueue', 'MessageQueueOrderStatusesTable'],
  },
  MessageQueueGetStatusFunction: { read: ['MessageQueueOrderStatusesTable', 'MessageQueueReceiptsBucket'] },
  // Consuming the queue (delete, change visibility) changes it.
  MessageQueueProcessOrdersFunction: {
    read: ['MessageQueueClaimChecksBucket'],
    write: ['MessageQueueOrderQueue', 'MessageQueueOrderStatusesTable', 'MessageQueueReceiptsBucket'],
  },
  MessageStreamPublishEventsFunction: { write: ['MessageStreamEvents'] },
  // The event source sends the description of a batch it gives up on to the failures queue with the function's role.
  MessageStreamAggregateEventsFunction: {
    read: ['MessageStreamEvents'],
    write: [
      'MessageStreamAppliedEventsTable',
      'MessageStreamConsumerFailures',
      'MessageStreamProductStatsTable',
    ],
  },
  MessageStreamGetStatsFunction: {
    read: ['MessageStreamAppliedEventsTable', 'MessageStreamProductStatsTable'],
  },
  FileDropCreateUploadFunction: {
    write: ['FileDropCreateUploadIdempotencyTable', 'FileDropFileRecordsTable', 'FileDropFilesBucket'],
  },
  FileDropGetFileFunction: { read: ['FileDropFileRecordsTable', 'FileDropFilesBucket'] },
  FileDropProcessUploadFunction: {
    write: ['FileDropFileRecordsTable', 'FileDropFilesBucket', 'FileDropProcessorFailures'],
  },
  // CDK's handler for Custom::S3BucketNotifications: s3:PutBucketNotification on the one bucket.
  BucketNotificationsHandler050a0587b7544547bf325f094a3db834: { write: ['FileDropFilesBucket'] },
  SharedDatabasePutOrderFunction: { write: ['SharedDatabaseSharedOrdersTable'] },
  SharedDatabaseGetOrderFunction: { read: ['SharedDatabaseSharedOrdersTable'] },
  SharedDatabasePatchInvoiceFunction: { write: ['SharedDatabaseSharedOrdersTable'] },
  SharedDatabaseFillInboxFunction: {
    read: ['SharedDatabaseSharedOrdersTable'],
    write: ['SharedDatabaseAccountingInboxTable', 'SharedDatabaseChangeFeedFailuresQueue'],
  },
  SharedDatabaseGetInboxFunction: { read: ['SharedDatabaseAccountingInboxTable'] },
  SharedDatabaseRecordChangesFunction: {
    read: ['SharedDatabaseSharedOrdersTable'],
    write: ['SharedDatabaseChangeFeedFailuresQueue', 'SharedDatabaseOrderChangesTable'],
  },
  SharedDatabaseGetChangesFunction: { read: ['SharedDatabaseOrderChangesTable'] },
  CqrsHandleCommandFunction: { write: ['CqrsEventLogTable', 'CqrsPlaceOrderIdempotencyTable'] },
  CqrsProjectEventsFunction: {
    read: ['CqrsEventLogTable'],
    write: ['CqrsCustomerOrdersTable', 'CqrsOrderViewsTable', 'CqrsProjectorFailuresQueue'],
  },
  CqrsGetOrderViewFunction: { read: ['CqrsCustomerOrdersTable', 'CqrsOrderViewsTable'] },
  CqrsGetCustomerSummaryFunction: { read: ['CqrsCustomerOrdersTable', 'CqrsOrderViewsTable'] },
  PubSubPublishOrderFunction: { write: ['PubSubOrderEvents', 'PubSubPublishedOrdersTable'] },
  PubSubGetOrderFunction: { read: ['PubSubPublishedOrdersTable'] },
  PubSubListDeliveriesFunction: { read: ['PubSubDeliveriesTable', 'PubSubPublishedOrdersTable'] },
  // Each subscriber consumes its own queue and may call GET /events/orders/{orderId} (IAM) for thin events.
  PubSubAccountingSubscriberFunction: {
    read: ['RestApi', 'RestApiDeploymentStageprod'],
    write: ['PubSubAccountingQueue', 'PubSubDeliveriesTable'],
  },
  PubSubShippingSubscriberFunction: {
    read: ['RestApi', 'RestApiDeploymentStageprod'],
    write: ['PubSubDeliveriesTable', 'PubSubShippingQueue'],
  },
  PubSubAnalyticsSubscriberFunction: {
    read: ['RestApi', 'RestApiDeploymentStageprod'],
    write: ['PubSubAnalyticsQueue', 'PubSubDeliveriesTable'],
  },
  StatusPushAuthorizeConnectionFunction: { write: ['StatusPushTicketsTable'] },
  StatusPushRoutesFunction: { write: ['StatusPushConnectionsTable', 'StatusPushSubscriptionsTable'] },
  StatusPushIssueTicketFunction: { write: ['StatusPushTicketsTable'] },
  // The pusher reads the status streams of three other patterns' tables, and posts to WebSocket connections.
  StatusPushPushStatusFunction: {
    read: ['CqrsOrderViewsTable', 'FileDropFileRecordsTable', 'MessageQueueOrderStatusesTable'],
    write: [
      'StatusPushApi',
      'StatusPushConnectionsTable',
      'StatusPushPusherFailuresQueue',
      'StatusPushSubscriptionsTable',
    ],
  },
};

/** What a function's role may touch, by logical id: read or written. Its own log group is left out. */
function accessById(functionId: string): Map<string, 'read' | 'write'> {
  const ownLogGroup = props(functionId).LoggingConfig?.LogGroup?.Ref;
  const access = new Map<string, 'read' | 'write'>();
  for (const { statement } of statementsOf(functionId)) {
    const actions = list<string>(statement.Action);
    for (const id of referencedIds(statement.Resource)) {
      if (id === ownLogGroup && actions.every((action) => action.startsWith('logs:'))) {
        continue;
      }
      const writes = actions.some((action) => !READ_ONLY_ACTION.test(action));
      access.set(id, writes || access.get(id) === 'write' ? 'write' : 'read');
    }
  }
  return access;
}

/** What a function's role may touch, as {@link ACCESS} writes it. */
function accessOf(functionId: string): { read?: string[]; write?: string[] } {
  const access = [...accessById(functionId)];
  const named = (level: 'read' | 'write') =>
    access
      .filter(([, value]) => value === level)
      .map(([id]) => unhashed(id))
      .sort();
  return {
    ...(named('read').length > 0 ? { read: named('read') } : {}),
    ...(named('write').length > 0 ? { write: named('write') } : {}),
  };
}

describe('IAM: least privilege', () => {
  const functions = () => idsOf('AWS::Lambda::Function');

  it('lets no function scan a table, read or write items in batches, or check conditions it never sends', () => {
    const callsNoHandlerMakes = [
      'dynamodb:Scan',
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:ConditionCheckItem',
    ];
    for (const policy of idsOf('AWS::IAM::Policy')) {
      const statements = props(policy).PolicyDocument.Statement as Array<{ Action: string | string[] }>;
      const actions = statements.flatMap((statement) => [statement.Action].flat());
      expect(
        actions.filter((action) => callsNoHandlerMakes.includes(action)),
        policy,
      ).toEqual([]);
    }
  });

  it('gives every function a role of its own, which only Lambda may assume', () => {
    const roles = functions().map(roleOf);
    expect(new Set(roles).size).toBe(roles.length);
    expect(idsOf('AWS::IAM::Role').sort()).toEqual([...roles].sort());
    for (const role of roles) {
      expect(props(role).AssumeRolePolicyDocument.Statement, role).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
    }
  });

  it('attaches no AWS managed policy, except to CDK’s deploy-time bucket notifications handler', () => {
    const attached = idsOf('AWS::IAM::Role').flatMap((role) =>
      list(props(role).ManagedPolicyArns).map((arn) => `${unhashed(role)} ${render(arn)}`),
    );
    // AWSLambdaBasicExecutionRole allows logs:CreateLogGroup, CreateLogStream and PutLogEvents on "*": every log
    // group of the account. CDK's handler runs only while the stack deploys (see its acknowledgement).
    expect(attached).toEqual([
      'BucketNotificationsHandler050a0587b7544547bf325f094a3db834Role arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
    ]);
  });

  it('lets each function write logs to its own log group, and to no other', () => {
    for (const fn of functions().filter((id) => !id.startsWith('BucketNotificationsHandler'))) {
      const logGrants = statementsOf(fn)
        .map(({ statement }) => statement)
        .filter((statement) => list<string>(statement.Action).some((action) => action.startsWith('logs:')));
      expect(
        logGrants.map((statement) => ({
          actions: list<string>(statement.Action).sort(),
          resources: list(statement.Resource),
        })),
        fn,
      ).toEqual([
        {
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [{ 'Fn::GetAtt': [props(fn).LoggingConfig.LogGroup.Ref, 'Arn'] }],
        },
      ]);
    }
  });

  it('grants a wildcard action or resource only where the allow-list says why', () => {
    const isWildcard = (resource: string) => {
      const attribute = /^<(\w+)\.Arn>$/.exec(resource);
      // A log group's Arn attribute is `arn:...:log-group:<name>:*`.
      return resource.includes('*') || resources[attribute?.[1] ?? '']?.Type === 'AWS::Logs::LogGroup';
    };
    const used = new Set<WildcardGrant>();
    const unexplained: string[] = [];
    for (const { policy, index, statement } of identityStatements()) {
      const where = `${policy} statement ${index}`;
      expect(statement.NotAction, where).toBeUndefined();
      expect(statement.NotResource, where).toBeUndefined();
      for (const action of list<string>(statement.Action)) {
        for (const resource of list(statement.Resource).map(render)) {
          if (!action.includes('*') && !isWildcard(resource)) {
            continue;
          }
          const grant = WILDCARD_GRANTS.find(
            (candidate) => candidate.actions.test(action) && candidate.resource.test(resource),
          );
          if (grant) {
            used.add(grant);
          } else {
            unexplained.push(`${where}: ${statement.Effect} ${action} on ${resource}`);
          }
        }
      }
    }
    expect(unexplained).toEqual([]);
    expect(WILDCARD_GRANTS.filter((grant) => !used.has(grant)).map((grant) => grant.reason)).toEqual([]);
  });

  it('lets each function touch only the resources the access map gives it', () => {
    expect(Object.fromEntries(functions().map((fn) => [unhashed(fn), accessOf(fn)]))).toEqual(ACCESS);
  });

  it('lets no function write another pattern’s tables, queues, buckets, streams or topics', () => {
    const patterns = [
      'ApiPayload',
      'MessageQueue',
      'MessageStream',
      'FileDrop',
      'SharedDatabase',
      'Cqrs',
      'PubSub',
      'StatusPush',
    ];
    // CDK's notifications handler configures the file drop's bucket, for the file drop.
    const patternOf = (id: string) =>
      id.startsWith('BucketNotificationsHandler')
        ? 'FileDrop'
        : patterns.find((pattern) => id.startsWith(pattern));
    const data = new Set([
      'AWS::DynamoDB::Table',
      'AWS::SQS::Queue',
      'AWS::S3::Bucket',
      'AWS::Kinesis::Stream',
      'AWS::SNS::Topic',
    ]);
    const trespasses = functions().flatMap((fn) =>
      [...accessById(fn)]
        .filter(([id, level]) => level === 'write' && data.has(resources[id]?.Type ?? ''))
        .filter(([id]) => patternOf(id) !== patternOf(fn))
        .map(([id]) => `${unhashed(fn)} writes ${unhashed(id)}`),
    );
    expect(trespasses).toEqual([]);
  });

  it('lets nobody list a bucket’s keys, nor grant itself more (no iam: or sts: actions)', () => {
    const actions = identityStatements().flatMap(({ statement }) => list<string>(statement.Action));
    expect(actions.filter((action) => /^(s3:List|iam:|sts:)/.test(action))).toEqual([]);
  });

  it('lets only this stack’s APIs, and S3 for the file drop bucket of this account, invoke functions', () => {
    expect(idsOf('AWS::Lambda::Url')).toEqual([]);
    for (const id of idsOf('AWS::Lambda::Permission')) {
      const permission = props(id);
      expect(permission.Action, id).toBe('lambda:InvokeFunction');
      if (permission.Principal === 'apigateway.amazonaws.com') {
        expect(render(permission.SourceArn), id).toMatch(
          new RegExp(`^${ARN_PREFIX}<(RestApi|StatusPushApi)${HASH}>/`),
        );
      } else {
        expect(permission.Principal, id).toBe('s3.amazonaws.com');
        expect(permission.SourceAccount, id).toEqual({ Ref: 'AWS::AccountId' });
        expect(render(permission.SourceArn), id).toMatch(new RegExp(`^<FileDropFilesBucket${HASH}\\.Arn>$`));
      }
    }
  });
});

/** The statements of a resource policy (bucket, queue or topic policy) that applies to `resourceId`. */
function resourcePolicyStatements(policyType: string, targets: string, resourceId: string): Statement[] {
  return idsOf(policyType)
    .filter((id) => list<unknown>(props(id)[targets]).some((target) => referencedIds(target).has(resourceId)))
    .flatMap((id) => (props(id).PolicyDocument as PolicyDocument).Statement);
}

/** The statement that refuses every request of `actions` on `resources` made without TLS. */
function tlsOnly(actions: string, resources: unknown, principal: unknown = { AWS: '*' }): Statement {
  return {
    Effect: 'Deny',
    Principal: principal,
    Action: actions,
    Resource: resources,
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

describe('data at rest and in transit', () => {
  it('blocks public access to every bucket and encrypts it', () => {
    const buckets = idsOf('AWS::S3::Bucket');
    // Access logs, receipts, claim checks, file drop.
    expect(buckets).toHaveLength(4);
    for (const bucket of buckets) {
      const bucketProps = props(bucket);
      expect(bucketProps.PublicAccessBlockConfiguration, bucket).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucketProps.BucketEncryption, bucket).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      expect(bucketProps.WebsiteConfiguration, bucket).toBeUndefined();
    }
  });

  it('disables ACLs on every bucket: access logs arrive under the log bucket’s policy, from this stack’s buckets', () => {
    for (const bucket of idsOf('AWS::S3::Bucket')) {
      expect(props(bucket).AccessControl, bucket).toBeUndefined();
      expect(props(bucket).OwnershipControls, bucket).toEqual({
        Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }],
      });
    }
    const logBucket = idsOf('AWS::S3::Bucket').find((id) => id.startsWith('AccessLogsBucket')) ?? '';
    const sources = idsOf('AWS::S3::Bucket').filter((id) => id !== logBucket);
    const deliveries = resourcePolicyStatements('AWS::S3::BucketPolicy', 'Bucket', logBucket).filter(
      (statement) => statement.Effect === 'Allow',
    );
    expect(deliveries).toHaveLength(sources.length);
    expect(deliveries).toEqual(
      sources.map((source) => ({
        Effect: 'Allow',
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Action: 's3:PutObject',
        // Each source bucket writes under its own prefix (its construct id), and only there.
        Resource: {
          'Fn::Join': [
            '',
            [{ 'Fn::GetAtt': [logBucket, 'Arn'] }, `/${props(source).LoggingConfiguration.LogFilePrefix}*`],
          ],
        },
        Condition: {
          ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [source, 'Arn'] } },
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        },
      })),
    );
  });

  it('refuses every request to a bucket or its objects made without TLS', () => {
    for (const bucket of idsOf('AWS::S3::Bucket')) {
      const arn = { 'Fn::GetAtt': [bucket, 'Arn'] };
      expect(resourcePolicyStatements('AWS::S3::BucketPolicy', 'Bucket', bucket), bucket).toContainEqual(
        tlsOnly('s3:*', [arn, { 'Fn::Join': ['', [arn, '/*']] }]),
      );
    }
  });

  it('encrypts every queue and refuses requests to it made without TLS', () => {
    const queues = idsOf('AWS::SQS::Queue');
    expect(queues.length).toBeGreaterThanOrEqual(13);
    for (const queue of queues) {
      expect(props(queue).SqsManagedSseEnabled ?? props(queue).KmsMasterKeyId, queue).toBeTruthy();
      expect(resourcePolicyStatements('AWS::SQS::QueuePolicy', 'Queues', queue), queue).toContainEqual(
        tlsOnly('sqs:*', { 'Fn::GetAtt': [queue, 'Arn'] }),
      );
    }
  });

  it('encrypts every topic with KMS and refuses publishing to it without TLS', () => {
    const topics = idsOf('AWS::SNS::Topic');
    expect(topics).toHaveLength(2);
    for (const topic of topics) {
      // The operations topic has a key of its own, which CloudWatch alarms may use (test/infra/operations-alerts.test.ts).
      expect(render(props(topic).KmsMasterKeyId), topic).toMatch(
        topic.startsWith('OperationsAlerts')
          ? /^<OperationsAlertsKey[0-9A-F]{8}\.Arn>$/
          : /^arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:alias\/aws\/sns$/,
      );
      // What CDK's enforceSSL writes for a topic, and AWS's example: SNS checks aws:SecureTransport on Publish.
      expect(resourcePolicyStatements('AWS::SNS::TopicPolicy', 'Topics', topic), topic).toContainEqual({
        ...tlsOnly('sns:Publish', { Ref: topic }, '*'),
        Sid: 'AllowPublishThroughSSLOnly',
      });
    }
  });

  it('encrypts every stream and every table', () => {
    for (const stream of idsOf('AWS::Kinesis::Stream')) {
      expect(props(stream).StreamEncryption, stream).toEqual({
        EncryptionType: 'KMS',
        KeyId: 'alias/aws/kinesis',
      });
    }
    const tables = idsOf('AWS::DynamoDB::Table');
    expect(tables).toHaveLength(18);
    for (const table of tables) {
      expect(props(table).SSESpecification, table).toEqual({ SSEEnabled: true });
    }
  });

  it('lets no resource policy allow the public: only AWS services, each bound to this stack’s resources', () => {
    const allowed = ['AWS::S3::BucketPolicy', 'AWS::SQS::QueuePolicy', 'AWS::SNS::TopicPolicy'].flatMap(
      (type) =>
        idsOf(type).flatMap((id) =>
          (props(id).PolicyDocument as PolicyDocument).Statement.filter(
            (statement) => statement.Effect === 'Allow',
          ).map((statement) => ({ id, statement })),
        ),
    );
    for (const { id, statement } of allowed) {
      expect(Object.keys(statement.Principal as object), id).toEqual(['Service']);
      // SNS delivering to a subscriber queue: only from this topic.
      expect(JSON.stringify(statement.Condition), id).toMatch(/aws:Source(Arn|Account)/);
    }
  });
});

describe('API access', () => {
  it('meters every key holder on the one REST stage: the usage plan covers it, the key belongs to the plan', () => {
    const [restApi] = idsOf('AWS::ApiGateway::RestApi');
    const stages = idsOf('AWS::ApiGateway::Stage');
    // One stage: no second stage outside the usage plan and the stage-wide throttle.
    expect(stages).toHaveLength(1);
    const [plan] = idsOf('AWS::ApiGateway::UsagePlan');
    expect(props(plan ?? '').ApiStages).toEqual([
      expect.objectContaining({ ApiId: { Ref: restApi }, Stage: { Ref: stages[0] } }),
    ]);
    const [key] = idsOf('AWS::ApiGateway::ApiKey');
    expect(idsOf('AWS::ApiGateway::UsagePlanKey').map(props)).toEqual([
      { KeyId: { Ref: key }, KeyType: 'API_KEY', UsagePlanId: { Ref: plan } },
    ]);
  });

  it('keeps the API key’s value out of the template: API Gateway generates it, outputs name only its id', () => {
    const [key] = idsOf('AWS::ApiGateway::ApiKey');
    expect(props(key ?? '').Value).toBeUndefined();
    // Its Ref is the key's id. Only the usage plan key and the ApiKeyId output use it; nothing reads an attribute of it.
    const text = JSON.stringify(template);
    expect(text.split(JSON.stringify({ Ref: key })).length - 1).toBe(2);
    expect(text).not.toContain(`"Fn::GetAtt":["${key}"`);
    expect(template.Outputs.ApiKeyId?.Value).toEqual({ Ref: key });
  });

  it('authorizes WebSocket connections at $connect with the ticket authorizer; other routes run on them', () => {
    const [api] = idsOf('AWS::ApiGatewayV2::Api');
    const [authorizer, ...others] = idsOf('AWS::ApiGatewayV2::Authorizer');
    expect(others).toEqual([]);
    expect(render(props(authorizer ?? '').AuthorizerUri)).toMatch(
      new RegExp(`/functions/<StatusPushAuthorizeConnectionFunction${HASH}\\.Arn>/invocations$`),
    );
    // A Lambda authorizer runs on $connect only: every later message travels on a connection it let in.
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html
    const routes = idsOf('AWS::ApiGatewayV2::Route').map(props);
    expect(routes.every((route) => route.ApiId.Ref === api)).toBe(true);
    expect(
      Object.fromEntries(
        routes.map((route) => [route.RouteKey, [route.AuthorizationType, route.AuthorizerId?.Ref ?? null]]),
      ),
    ).toEqual({
      $connect: ['CUSTOM', authorizer],
      $disconnect: ['NONE', null],
      $default: ['NONE', null],
      subscribe: ['NONE', null],
    });
  });
});
