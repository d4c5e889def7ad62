/**
 * What one million orders cost on AWS through each pattern, from list prices and the operations each pattern's
 * code makes per order. Prices: US East (N. Virginia), on-demand, first pricing tier, no free tier, as published
 * on the linked AWS pages on the date below. This project's build machine cannot reach those pages: check them
 * before relying on a figure.
 */
export const PRICES_AS_OF = '2026-11-22';

/** A unit price and where it is published. */
export interface Price {
  readonly usd: number;
  readonly per: string;
  readonly source: string;
}

export const PRICES = {
  restApiRequest: {
    usd: 3.5 / 1e6,
    per: 'REST API request',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
  },
  webSocketMessage: {
    usd: 1 / 1e6,
    per: 'WebSocket message (32 KB increments)',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
  },
  webSocketConnectionMinute: {
    usd: 0.25 / 1e6,
    per: 'WebSocket connection minute',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
  },
  lambdaRequest: { usd: 0.2 / 1e6, per: 'Lambda request', source: 'https://aws.amazon.com/lambda/pricing/' },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    per: 'Lambda GB-second, arm64',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  sqsRequest: {
    usd: 0.4 / 1e6,
    per: 'SQS standard request (64 KB chunks)',
    source: 'https://aws.amazon.com/sqs/pricing/',
  },
  snsPublish: {
    usd: 0.5 / 1e6,
    per: 'SNS publish (64 KB chunks); deliveries to SQS are free',
    source: 'https://aws.amazon.com/sns/pricing/',
  },
  kinesisPutPayloadUnit: {
    usd: 0.014 / 1e6,
    per: 'Kinesis PUT payload unit (25 KB), provisioned',
    source: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
  },
  kinesisShardHour: {
    usd: 0.015,
    per: 'Kinesis shard hour, provisioned',
    source: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
  },
  dynamoDbWriteUnit: {
    usd: 0.625 / 1e6,
    per: 'DynamoDB on-demand write request unit (1 KB; transactional writes 2)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  dynamoDbReadUnit: {
    usd: 0.125 / 1e6,
    per: 'DynamoDB on-demand read request unit (4 KB strongly consistent; transactional 2); stream reads by Lambda are free',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  s3PutRequest: {
    usd: 0.005 / 1e3,
    per: 'S3 Standard PUT, COPY, POST or LIST request',
    source: 'https://aws.amazon.com/s3/pricing/',
  },
  s3GetRequest: {
    usd: 0.0004 / 1e3,
    per: 'S3 Standard GET request',
    source: 'https://aws.amazon.com/s3/pricing/',
  },
} as const satisfies Record<string, Price>;

type PriceName = keyof typeof PRICES;

/** Lambda invocations per order, each at a memory size and duration. */
interface LambdaUse {
  readonly what: string;
  readonly invocations: number;
  readonly memoryMb: number;
  readonly durationMs: number;
}

/** What one order makes a pattern do. */
export interface PatternUsage {
  readonly id: string;
  readonly name: string;
  /** Metered units per order, by price. */
  readonly units: Partial<Record<PriceName, number>>;
  readonly lambdas: readonly LambdaUse[];
  /** What the figure assumes beyond the code. */
  readonly assumptions: string;
  /** A cost paid per month whatever the traffic (USD), for the note beside the figure. */
  readonly fixedMonthlyUsd?: number;
}

const fn = (what: string, invocations: number, memoryMb: number, durationMs: number): LambdaUse => ({
  what,
  invocations,
  memoryMb,
  durationMs,
});

/** Per-order operations, counted from the handlers and adapters in `lambda/`. */
export const USAGE: readonly PatternUsage[] = [
  {
    id: 'sync',
    name: '1. API payload',
    units: { restApiRequest: 1, dynamoDbWriteUnit: 2 },
    lambdas: [fn('RecordOrder', 1, 256, 50)],
    assumptions: 'one POST; the order is one item under 1 KB written in a transaction (2 write units)',
  },
  {
    id: 'queue',
    name: '2. Message queue',
    units: {
      restApiRequest: 2,
      sqsRequest: 1.2,
      dynamoDbWriteUnit: 4,
      dynamoDbReadUnit: 1,
      s3PutRequest: 1,
      s3GetRequest: 1,
    },
    lambdas: [
      fn('SubmitOrder', 1, 256, 50),
      fn('ProcessOrders', 0.1, 512, 1500),
      fn('GetStatus', 1, 256, 30),
    ],
    assumptions:
      'POST and one status read; batches of 10 (send 1, receive and delete 0.1 each); 4 status writes; the receipt PDF written once and downloaded once',
  },
  {
    id: 'stream',
    name: '3. Message stream',
    units: { restApiRequest: 1 / 500, kinesisPutPayloadUnit: 1, dynamoDbWriteUnit: 4 },
    lambdas: [fn('PublishEvents', 1 / 500, 256, 200), fn('AggregateEvents', 1 / 100, 256, 500)],
    assumptions:
      'per event: 500 events a request, 100 a consumer batch; each event applied in a 2-item transaction (4 write units)',
    fixedMonthlyUsd: 2 * 730 * PRICES.kinesisShardHour.usd,
  },
  {
    id: 'file',
    name: '4. File drop',
    units: { restApiRequest: 2, dynamoDbWriteUnit: 2, dynamoDbReadUnit: 1, s3PutRequest: 2, s3GetRequest: 2 },
    lambdas: [fn('CreateUpload', 1, 256, 50), fn('ProcessUpload', 1, 512, 300), fn('GetFile', 1, 256, 30)],
    assumptions: 'one file: announce, PUT, processor reads and copies it, one status read, one download',
  },
  {
    id: 'shared',
    name: '5. Shared database',
    units: { restApiRequest: 1, dynamoDbWriteUnit: 3 },
    lambdas: [fn('PutOrder', 1, 256, 50), fn('RecordChanges + FillInbox', 2 / 100, 256, 200)],
    assumptions:
      'one write of the shared item; the change feed adds a history entry and an inbox task (100 a batch)',
  },
  {
    id: 'pubsub',
    name: '6. Publish/subscribe',
    units: { restApiRequest: 1, dynamoDbWriteUnit: 4, snsPublish: 1, sqsRequest: 0.6 },
    lambdas: [fn('PublishOrder', 1, 256, 50), fn('3 subscribers', 3 / 10, 256, 200)],
    assumptions:
      'fat events; 3 subscribers, 10 messages a batch (receive and delete 0.1 each per queue); thin events add 3 signed API reads, 3 Lambda invocations and 3 read units',
  },
  {
    id: 'cqrs',
    name: '7. CQRS',
    units: { restApiRequest: 1, dynamoDbWriteUnit: 5, dynamoDbReadUnit: 2 },
    lambdas: [fn('HandleCommand', 1, 256, 50), fn('ProjectEvents', 1 / 100, 256, 500)],
    assumptions:
      'one command: a consistent Query and a put; the projector reads the view and writes view and customer row in one transaction',
  },
  {
    id: 'push',
    name: '8. Real-time push',
    units: {
      restApiRequest: 1,
      webSocketMessage: 4,
      webSocketConnectionMinute: 2,
      dynamoDbWriteUnit: 7,
      dynamoDbReadUnit: 3,
    },
    lambdas: [fn('IssueTicket + AuthorizeConnection + Routes', 4, 256, 30), fn('PushStatus', 3, 256, 50)],
    assumptions:
      'on top of the queue pattern: one client connects for 2 minutes, subscribes, receives 3 statuses, disconnects',
  },
];

/** One pattern's cost per million orders, with its largest part. */
export interface PatternCost {
  readonly id: string;
  readonly name: string;
  readonly usdPerMillion: number;
  readonly largest: string;
  readonly assumptions: string;
  readonly fixedMonthlyUsd?: number;
}

/** Prices the usage of each pattern for one million orders. */
export function costPerMillion(usage: readonly PatternUsage[] = USAGE): PatternCost[] {
  return usage.map((pattern) => {
    const parts: Array<[string, number]> = Object.entries(pattern.units).map(([name, units]) => [
      PRICES[name as PriceName].per,
      (units ?? 0) * PRICES[name as PriceName].usd * 1e6,
    ]);
    for (const use of pattern.lambdas) {
      const gbSeconds = (use.invocations * use.memoryMb * use.durationMs) / 1024 / 1000;
      parts.push([
        `Lambda ${use.what}`,
        (use.invocations * PRICES.lambdaRequest.usd + gbSeconds * PRICES.lambdaArmGbSecond.usd) * 1e6,
      ]);
    }
    const [largest] = [...parts].sort((a, b) => b[1] - a[1]);
    return {
      id: pattern.id,
      name: pattern.name,
      usdPerMillion: Math.round(parts.reduce((sum, [, usd]) => sum + usd, 0) * 100) / 100,
      largest: largest ? largest[0] : '',
      assumptions: pattern.assumptions,
      fixedMonthlyUsd: pattern.fixedMonthlyUsd,
    };
  });
}

/** The cost table and the prices it used, in Markdown. */
export function renderCostMarkdown(costs: readonly PatternCost[]): string {
  const rows = costs.map(
    (c) =>
      `| ${c.name} | $${c.usdPerMillion.toFixed(2)}${c.fixedMonthlyUsd ? ` + $${c.fixedMonthlyUsd.toFixed(2)}/month` : ''} | ${c.largest} | ${c.assumptions} |`,
  );
  const prices = Object.values(PRICES as Record<string, Price>).map(
    (price) =>
      `| ${price.per} | $${(price.usd * (price.usd < 0.001 ? 1e6 : 1)).toFixed(price.usd < 0.001 ? 3 : 4)}${price.usd < 0.001 ? ' per million' : ''} | ${price.source} |`,
  );
  return `## AWS cost of one million orders

US East (N. Virginia) list prices as of ${PRICES_AS_OF}, first tier, no free tier, arm64 Lambda. Storage, data transfer,
CloudWatch and KMS are left out; Lambda durations are assumptions (the local cloud's are not AWS's).

| pattern | USD per million orders | largest part | assumptions |
| --- | --- | --- | --- |
${rows.join('\n')}

| price | USD | source |
| --- | --- | --- |
${prices.join('\n')}
`;
}
