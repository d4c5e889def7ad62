import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { type CfnStage, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StatusSource } from '../../lambda/domain/status-push.ts';
import { AppFunction } from '../platform/app-function.ts';
import { DataTable } from '../platform/data-table.ts';
import { FailureQueue } from '../platform/failure-queue.ts';
import { executeApiWildcardFinding, nagRef } from '../platform/nag-findings.ts';
import type { PlatformRestApi } from '../platform/rest-api.ts';

export interface StatusPushPatternProps {
  /** The REST API where clients get connection tickets. */
  readonly api: PlatformRestApi;
  /** The tables whose status changes are pushed, by pattern; each needs a stream with old and new images. */
  readonly sources: Readonly<Record<StatusSource, ITable>>;
  /** Steady-state messages per second the WebSocket stage accepts. @default 50 */
  readonly rateLimitPerSecond?: number;
}

/**
 * Pattern 8, real-time push: clients get a single-use ticket from `POST /push/tickets`, open a WebSocket with it
 * (the `$connect` route's Lambda authorizer checks it), and send `{"action":"subscribe","orderId":"..."}`. A
 * pusher reads the status tables' streams of the queue, file drop and CQRS patterns and posts each status change
 * to the connections that follow it through the `@connections` management API; a gone connection is forgotten.
 */
export class StatusPushPattern extends Construct {
  readonly webSocketApi: WebSocketApi;
  readonly stage: WebSocketStage;
  /** Stream batches the pusher gave up on (shard and sequence range). */
  readonly failures: Queue;

  constructor(scope: Construct, id: string, props: StatusPushPatternProps) {
    super(scope, id);
    const tickets = new DataTable(this, 'Tickets', {
      partitionKey: 'ticketHash',
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const connections = new DataTable(this, 'Connections', {
      partitionKey: 'connectionId',
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const subscriptions = new DataTable(this, 'Subscriptions', {
      partitionKey: 'orderId',
      sortKey: 'connectionId',
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const authorize = new AppFunction(this, 'AuthorizeConnection', {
      entry: 'status-push/authorize-connection.ts',
      serviceName: 'status-push',
      description:
        'WebSocket $connect authorizer: allows a connection for an unexpired, unused ticket, once.',
    }).bindTable(tickets.table, { access: 'readWrite', env: 'TICKETS_TABLE_NAME' });
    const routes = new AppFunction(this, 'Routes', {
      entry: 'status-push/connections.ts',
      serviceName: 'status-push',
      description:
        'WebSocket routes: $connect records the connection, subscribe follows an id, $disconnect forgets them.',
    })
      .bindTable(connections.table, { access: 'readWrite', env: 'CONNECTIONS_TABLE_NAME' })
      .bindTable(subscriptions.table, { access: 'readWrite', env: 'SUBSCRIPTIONS_TABLE_NAME' });

    // Integration ids must not be `Default`: CDK drops that id from logical ids, and it would collide with its route's.
    const integration = (route: string) =>
      new WebSocketLambdaIntegration(`${route}Integration`, routes.function);
    this.webSocketApi = new WebSocketApi(this, 'Api', {
      description: 'Live status of orders and files, pushed to subscribed clients.',
      connectRouteOptions: {
        integration: integration('Connect'),
        // Browsers cannot set headers on a WebSocket handshake: the ticket travels in the query string.
        authorizer: new WebSocketLambdaAuthorizer('TicketAuthorizer', authorize.function, {
          identitySource: ['route.request.querystring.ticket'],
        }),
      },
      disconnectRouteOptions: { integration: integration('Disconnect') },
      defaultRouteOptions: { integration: integration('Default'), returnResponse: true },
    });
    this.webSocketApi.addRoute('subscribe', { integration: integration('Subscribe'), returnResponse: true });

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.webSocketApi,
      stageName: 'prod',
      autoDeploy: true,
      throttle: {
        rateLimit: props.rateLimitPerSecond ?? 50,
        burstLimit: 2 * (props.rateLimitPerSecond ?? 50),
      },
    });
    (this.stage.node.defaultChild as CfnStage).accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        connectionId: '$context.connectionId',
        routeKey: '$context.routeKey',
        eventType: '$context.eventType',
        status: '$context.status',
        requestTime: '$context.requestTime',
        error: '$context.error.message',
        authorizerError: '$context.authorizer.error',
      }),
    };

    const issueTicket = new AppFunction(this, 'IssueTicket', {
      entry: 'status-push/issue-ticket.ts',
      serviceName: 'status-push',
      description:
        'POST /push/tickets: a single-use ticket to open one WebSocket connection within a minute.',
      environment: { WEBSOCKET_URL: this.stage.url },
    }).bindTable(tickets.table, { access: 'append', env: 'TICKETS_TABLE_NAME' });
    props.api.addLambdaRoute('POST', '/push/tickets', issueTicket.function);

    this.failures = new FailureQueue(this, 'PusherFailures', {
      failuresOf: 'the status pusher’s stream event sources',
      alarmDescription:
        'Status-table stream batches the pusher gave up on: clients missed those pushes; they can still poll.',
    }).queue;
    const sources = Object.entries(props.sources) as Array<[StatusSource, ITable]>;
    const pusher = new AppFunction(this, 'PushStatus', {
      entry: 'status-push/push-status.ts',
      serviceName: 'status-push',
      description:
        'Status-table streams: pushes each status change to the WebSocket connections that follow it.',
      environment: {
        CONNECTIONS_ENDPOINT: this.stage.callbackUrl,
        STATUS_TABLES: this.stack.toJsonString(
          Object.fromEntries(sources.map(([pattern, table]) => [table.tableName, pattern])),
        ),
      },
    })
      .bindTable(connections.table, { access: 'readWrite', env: 'CONNECTIONS_TABLE_NAME' })
      .bindTable(subscriptions.table, { access: 'readWrite', env: 'SUBSCRIPTIONS_TABLE_NAME' });
    // PostToConnection only: POST on @connections. CDK's grantManagementApiAccess allows every method, so the pusher
    // could also disconnect clients (DELETE) and read their source IP (GET).
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-control-access-iam.html
    const connectionsPath = `${this.stage.stageName}/POST/@connections/*`;
    pusher.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['execute-api:ManageConnections'],
        resources: [
          Stack.of(this).formatArn({
            service: 'execute-api',
            resource: this.webSocketApi.apiId,
            resourceName: connectionsPath,
          }),
        ],
      }),
    );
    Validations.of(pusher).acknowledge({
      id: executeApiWildcardFinding(this, `${nagRef(this.webSocketApi)}/${connectionsPath}`),
      reason:
        'PostToConnection on the connections of this one stage, nothing else; connection ids exist only at run time.',
    });
    for (const [, table] of sources) {
      // From the latest change: a status worth pushing is a fresh one. Retries are few and short for the same
      // reason; what is given up on is described in the failures queue, and clients can always poll.
      pusher.function.addEventSource(
        new DynamoEventSource(table, {
          startingPosition: StartingPosition.LATEST,
          batchSize: 100,
          bisectBatchOnError: true,
          retryAttempts: 2,
          maxRecordAge: Duration.minutes(1),
          reportBatchItemFailures: true,
          onFailure: new SqsDlq(this.failures),
        }),
      );
    }

    const acknowledge = Validations.of(this.webSocketApi);
    acknowledge.acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'WebSocket APIs authorize at $connect only (a Lambda authorizer checking a single-use ticket); later routes run on the authorized connection.',
    });
  }

  private get stack() {
    return this.webSocketApi.stack;
  }
}
