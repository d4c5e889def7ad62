import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  ApiKey,
  ApiKeySourceType,
  AuthorizationType,
  EndpointType,
  type JsonSchema,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  type Model,
  Period,
  type RequestValidator,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Problem `type` URIs answered by the gateway itself, before any function runs. */
const PROBLEM_TYPE_PREFIX = 'urn:problem:serverless-data-sharing:';

export interface PlatformRestApiProps {
  /** Stage name, the first path segment of every URL. @default 'prod' */
  readonly stageName?: string;
  /** Steady-state requests per second for the API key's usage plan. @default 50 */
  readonly rateLimitPerSecond?: number;
  /** Burst capacity of the usage plan's token bucket. @default 100 */
  readonly burstLimit?: number;
  /** Requests per day for the API key. @default 100000 */
  readonly dailyQuota?: number;
  /**
   * Steady-state requests per second for the whole stage, every caller together: the ceiling for methods the usage
   * plan does not cover (IAM-authorized ones). @default 100
   */
  readonly stageRateLimitPerSecond?: number;
  /**
   * The one browser origin that may call the API from another origin, such as the console served by
   * `npm run console` (`http://127.0.0.1:4020`): every resource answers CORS preflights (a MOCK `OPTIONS`
   * method), and gateway errors and every function's answers carry `Access-Control-Allow-Origin`.
   * @default none: browsers call the API only from its own origin
   */
  readonly allowedOrigin?: string;
}

/** Request headers a browser may send across origins: the body's type, the API key, and the conditional ones. */
const CORS_ALLOWED_HEADERS = ['Content-Type', 'X-Api-Key', 'If-Match', 'If-None-Match', 'Idempotency-Key'];

export interface RouteOptions {
  /** JSON Schema model the request body must match; API Gateway rejects others with 400 before invoking. */
  readonly requestModel?: Model;
}

/**
 * The REST API every pattern attaches to: API key required on every method, a usage plan with throttling and a
 * quota, JSON access logs, request validation, and every gateway-generated error as `application/problem+json`.
 */
export class PlatformRestApi extends Construct {
  readonly api: RestApi;
  readonly apiKey: ApiKey;
  private readonly bodyValidator: RequestValidator;
  private readonly allowedOrigin?: string;

  constructor(scope: Construct, id: string, props: PlatformRestApiProps = {}) {
    super(scope, id);
    this.allowedOrigin = props.allowedOrigin === undefined ? undefined : checkedOrigin(props.allowedOrigin);
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new RestApi(this, 'Api', {
      description: 'Purchase orders from the web shop to accounting, one path per integration pattern.',
      endpointTypes: [EndpointType.REGIONAL],
      apiKeySourceType: ApiKeySourceType.HEADER,
      defaultMethodOptions: { apiKeyRequired: true },
      // Preflights carry no API key: CDK's OPTIONS methods take none and answer from a MOCK integration.
      defaultCorsPreflightOptions: this.allowedOrigin
        ? {
            allowOrigins: [this.allowedOrigin],
            allowMethods: ['GET', 'POST', 'PUT', 'PATCH'],
            allowHeaders: CORS_ALLOWED_HEADERS,
            maxAge: Duration.hours(1),
          }
        : undefined,
      cloudWatchRole: false,
      deployOptions: {
        stageName: props.stageName ?? 'prod',
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        tracingEnabled: true,
        metricsEnabled: true,
        throttlingRateLimit: props.stageRateLimitPerSecond ?? 100,
        throttlingBurstLimit: 2 * (props.stageRateLimitPerSecond ?? 100),
      },
    });
    // The RestApi's own `Endpoint` output has a hashed name; the stack exports `ApiUrl` instead.
    this.api.node.tryRemoveChild('Endpoint');

    this.apiKey = new ApiKey(this, 'ApiKey', {
      description: 'Key of the web shop calling the purchase-order API.',
    });
    const plan = this.api.addUsagePlan('UsagePlan', {
      description: 'Throttling and quota for API key holders.',
      throttle: { rateLimit: props.rateLimitPerSecond ?? 50, burstLimit: props.burstLimit ?? 100 },
      quota: { limit: props.dailyQuota ?? 100_000, period: Period.DAY },
    });
    plan.addApiStage({ stage: this.api.deploymentStage });
    plan.addApiKey(this.apiKey);

    this.bodyValidator = this.api.addRequestValidator('BodyValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    this.addProblemResponses();

    const acknowledge = Validations.of(this.api);
    acknowledge.acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'WAF is an account-level cost and policy decision; the API key, usage-plan throttling and request validation bound abuse here. Attach a WebACL in production.',
    });
    acknowledge.acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Callers are applications identified by API key with a usage plan; there is no end-user identity to authorize.',
    });
    acknowledge.acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'No Cognito user pool: callers are applications identified by API key, not end users.',
    });
    acknowledge.acknowledge({
      id: 'AwsSolutions-APIG6',
      reason:
        'Execution logging needs the account-wide API Gateway CloudWatch role, an account setting this stack must not own; JSON access logs are on.',
    });
  }

  /** The invoke URL of the deployed stage, ending in `/`. */
  get url(): string {
    return this.api.url;
  }

  /**
   * Routes `method path` to a function through a Lambda proxy integration; the API key is required. With an
   * allowed origin, the function gets it as `ALLOWED_ORIGIN`, for the CORS headers of its answers.
   */
  addLambdaRoute(method: string, path: string, handler: LambdaFunction, options: RouteOptions = {}): void {
    if (this.allowedOrigin) {
      handler.addEnvironment('ALLOWED_ORIGIN', this.allowedOrigin);
    }
    const resource = this.api.root.resourceForPath(path);
    resource.addMethod(method, new LambdaIntegration(handler, { proxy: true, allowTestInvoke: false }), {
      apiKeyRequired: true,
      ...(options.requestModel
        ? {
            requestValidator: this.bodyValidator,
            requestModels: { 'application/json': options.requestModel },
          }
        : {}),
    });
  }

  /**
   * Routes `method path` to a function with `AWS_IAM` authorization instead of the API key: for other AWS
   * applications, whose roles are granted `execute-api:Invoke` on the returned method and sign with SigV4.
   */
  addIamRoute(method: string, path: string, handler: IFunction): Method {
    return this.api.root
      .resourceForPath(path)
      .addMethod(method, new LambdaIntegration(handler, { proxy: true, allowTestInvoke: false }), {
        authorizationType: AuthorizationType.IAM,
        apiKeyRequired: false,
      });
  }

  /** Adds a JSON Schema (draft 4) model for request validation. */
  addModel(id: string, name: string, schema: object): Model {
    return this.api.addModel(id, {
      modelName: name,
      contentType: 'application/json',
      schema: schema as JsonSchema,
    });
  }

  // Errors API Gateway answers itself (bad key, unknown route, invalid body, throttling) get the same
  // RFC 9457 shape as the functions' errors, so a client parses one error format. All but one: API Gateway does
  // not apply customisations of 413 REQUEST_TOO_LARGE (over 10 MB, or over Lambda's 6 MB), which stays
  // `{"message":"Request Too Long"}`, so none is declared here.
  // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html
  // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html
  private addProblemResponses(): void {
    const problems: Array<[ResponseType, string, string, string, string]> = [
      [
        ResponseType.BAD_REQUEST_BODY,
        '400',
        'invalid-request-body',
        'Invalid request body',
        '"$context.error.validationErrorString"',
      ],
      [
        ResponseType.BAD_REQUEST_PARAMETERS,
        '400',
        'invalid-request-parameters',
        'Invalid request parameters',
        '$context.error.messageString',
      ],
      [
        ResponseType.INVALID_API_KEY,
        '403',
        'invalid-api-key',
        'Missing or invalid API key',
        '"Send a valid API key in the x-api-key header."',
      ],
      // API Gateway answers an unknown path or method with 403 "Missing Authentication Token"; 404 says what happened.
      // It answers an unsigned call to an IAM-authorized method the same way, so the detail names both causes.
      [
        ResponseType.MISSING_AUTHENTICATION_TOKEN,
        '404',
        'no-such-route',
        'No such route',
        '"No resource or method at this path, or the method takes IAM authorization and the request is not signed with SigV4."',
      ],
      // A bad or stale SigV4 signature, and a role without execute-api:Invoke, on the IAM-authorized method.
      [
        ResponseType.INVALID_SIGNATURE,
        '403',
        'invalid-signature',
        'Invalid signature',
        '$context.error.messageString',
      ],
      [
        ResponseType.EXPIRED_TOKEN,
        '403',
        'expired-token',
        'Expired credentials',
        '$context.error.messageString',
      ],
      [ResponseType.ACCESS_DENIED, '403', 'access-denied', 'Access denied', '$context.error.messageString'],
      [
        ResponseType.THROTTLED,
        '429',
        'throttled',
        'Too many requests',
        '"Slow down and retry with backoff."',
      ],
      [
        ResponseType.QUOTA_EXCEEDED,
        '429',
        'quota-exceeded',
        'Quota exceeded',
        '"The API key has used its daily quota."',
      ],
      [
        ResponseType.INTEGRATION_TIMEOUT,
        '504',
        'integration-timeout',
        'Integration timeout',
        '$context.error.messageString',
      ],
    ];
    for (const [type, status, name, title, detail] of problems) {
      this.addProblemResponse(type, name, `"${title}"`, detail, status);
    }
    this.addProblemResponse(
      ResponseType.DEFAULT_4XX,
      'client-error',
      '$context.error.messageString',
      '$context.error.messageString',
    );
    this.addProblemResponse(
      ResponseType.DEFAULT_5XX,
      'gateway-error',
      '$context.error.messageString',
      '$context.error.messageString',
    );
  }

  /** `title` and `detail` are JSON values: a quoted string, or a `$context` variable that is one. */
  private addProblemResponse(
    type: ResponseType,
    name: string,
    title: string,
    detail: string,
    statusCode?: string,
  ): void {
    const status = statusCode ? `"status":${statusCode},` : '';
    this.api.addGatewayResponse(`Problem${type.responseType}`, {
      type,
      statusCode,
      responseHeaders: {
        'Content-Type': "'application/problem+json'",
        // A browser on the allowed origin reads errors too (a refused key, an invalid body, throttling).
        ...(this.allowedOrigin
          ? { 'Access-Control-Allow-Origin': `'${this.allowedOrigin}'`, Vary: "'Origin'" }
          : {}),
      },
      templates: {
        'application/json': `{"type":"${PROBLEM_TYPE_PREFIX}${name}","title":${title},${status}"detail":${detail},"instance":"$context.path","requestId":"$context.requestId"}`,
      },
    });
  }
}

/** An origin as browsers send it: scheme, host and port, nothing else (`*` would hand the API to every site). */
function checkedOrigin(origin: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(origin);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
    throw new Error(
      `allowedOrigin must be one origin such as http://127.0.0.1:4020 (scheme, host, port; no path); got ${origin}`,
    );
  }
  return origin;
}
