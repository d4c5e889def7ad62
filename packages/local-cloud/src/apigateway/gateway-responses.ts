import type { GatewayResponseSetting } from './rest-api-model.ts';

/** The gateway response types the local API server produces. */
export type GatewayResponseType =
  | 'MISSING_AUTHENTICATION_TOKEN'
  | 'INVALID_SIGNATURE'
  | 'INVALID_API_KEY'
  | 'BAD_REQUEST_BODY'
  | 'BAD_REQUEST_PARAMETERS'
  | 'REQUEST_TOO_LARGE'
  | 'THROTTLED'
  | 'QUOTA_EXCEEDED'
  | 'INTEGRATION_TIMEOUT'
  | 'INTEGRATION_FAILURE'
  | 'API_CONFIGURATION_ERROR';

// Default status, message and error type of each response type, as API Gateway answers when not customised.
// https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
const DEFAULTS: Record<GatewayResponseType, { status: number; message: string; errorType: string }> = {
  MISSING_AUTHENTICATION_TOKEN: {
    status: 403,
    message: 'Missing Authentication Token',
    errorType: 'MissingAuthenticationTokenException',
  },
  // A SigV4 signature that does not match; other signature errors bring their own message and error type.
  INVALID_SIGNATURE: {
    status: 403,
    message:
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret ' +
      'Access Key and signing method. Consult the service documentation for details.',
    errorType: 'InvalidSignatureException',
  },
  INVALID_API_KEY: { status: 403, message: 'Forbidden', errorType: 'ForbiddenException' },
  BAD_REQUEST_BODY: { status: 400, message: 'Invalid request body', errorType: 'BadRequestException' },
  BAD_REQUEST_PARAMETERS: {
    status: 400,
    message: 'Missing required request parameters',
    errorType: 'BadRequestException',
  },
  REQUEST_TOO_LARGE: { status: 413, message: 'Request Too Long', errorType: 'RequestTooLargeException' },
  THROTTLED: { status: 429, message: 'Too Many Requests', errorType: 'TooManyRequestsException' },
  QUOTA_EXCEEDED: { status: 429, message: 'Limit Exceeded', errorType: 'LimitExceededException' },
  INTEGRATION_TIMEOUT: {
    status: 504,
    message: 'Endpoint request timed out',
    errorType: 'InternalServerErrorException',
  },
  // A function error or a malformed proxy response: 502 "Internal server error".
  INTEGRATION_FAILURE: {
    status: 502,
    message: 'Internal server error',
    errorType: 'InternalServerErrorException',
  },
  // The Invoke call itself failed (throttled, too large, no such function).
  API_CONFIGURATION_ERROR: {
    status: 500,
    message: 'Internal server error',
    errorType: 'InternalServerErrorException',
  },
};

/** What a gateway response template can refer to. */
export interface GatewayResponseContext {
  readonly requestId: string;
  readonly extendedRequestId: string;
  readonly apiId: string;
  readonly stage: string;
  readonly path: string;
  readonly resourcePath: string;
  readonly httpMethod: string;
  readonly validationErrorString?: string;
  /** Overrides the default status (a function error answers 502 though its type's default is 504). */
  readonly statusOverride?: number;
  /** Overrides the default message and `x-amzn-ErrorType` (an expired signature is an `INVALID_SIGNATURE` too). */
  readonly errorOverride?: { readonly message: string; readonly errorType: string };
  /** Request headers by lower-case name, for `method.request.header.*` response parameters. */
  readonly requestHeaders: Readonly<Record<string, string>>;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Response types whose customisation API Gateway ignores: "Customizing the default gateway response for
 * `413 REQUEST_TOO_LARGE` isn't currently supported", so neither its own setting nor DEFAULT_4XX applies.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html
 */
const NOT_CUSTOMISABLE: ReadonlySet<GatewayResponseType> = new Set(['REQUEST_TOO_LARGE']);

/**
 * An error answered by API Gateway itself. A customisation of the type applies, else one of DEFAULT_4XX or
 * DEFAULT_5XX, else the built-in `{"message": ...}`. Templates are simple substitutions, not VTL.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html
 */
export function gatewayResponse(
  type: GatewayResponseType,
  allSettings: ReadonlyMap<string, GatewayResponseSetting>,
  context: GatewayResponseContext,
): HttpAnswer {
  const settings = NOT_CUSTOMISABLE.has(type) ? new Map<string, GatewayResponseSetting>() : allSettings;
  const defaults = { ...DEFAULTS[type], ...context.errorOverride };
  const defaultStatus = context.statusOverride ?? defaults.status;
  const custom = settings.get(type) ?? settings.get(defaultStatus >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX');
  // A DEFAULT_4XX/5XX status applies to types without their own; a type's own customisation sets its status.
  const status = settings.get(type)?.statusCode ? Number(settings.get(type)?.statusCode) : defaultStatus;
  const headers: Record<string, string> = { 'x-amzn-ErrorType': defaults.errorType };
  let body = JSON.stringify({ message: defaults.message });
  let contentType = 'application/json';
  if (custom) {
    const [templateType, template] = Object.entries(custom.responseTemplates)[0] ?? [];
    if (template !== undefined && templateType !== undefined) {
      body = substitute(template, type, defaults.message, context);
      contentType = templateType;
    }
    for (const [name, source] of Object.entries(custom.responseParameters)) {
      const header = /^gatewayresponse\.header\.(.+)$/.exec(name)?.[1];
      const value = parameterValue(source, context);
      if (header && value !== undefined) {
        headers[header] = value;
      }
    }
  }
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
    headers['Content-Type'] = contentType;
  }
  return { status, headers, body };
}

function substitute(
  template: string,
  type: GatewayResponseType,
  message: string,
  context: GatewayResponseContext,
): string {
  const values: Record<string, string> = {
    '$context.error.messageString': JSON.stringify(message),
    '$context.error.message': message,
    '$context.error.responseType': type,
    // Written into JSON strings by templates, so escaped for one (API Gateway's text carries `\"` likewise).
    '$context.error.validationErrorString': JSON.stringify(context.validationErrorString ?? '').slice(1, -1),
    '$context.requestId': context.requestId,
    '$context.extendedRequestId': context.extendedRequestId,
    '$context.apiId': context.apiId,
    '$context.stage': context.stage,
    '$context.path': context.path,
    '$context.resourcePath': context.resourcePath,
    '$context.httpMethod': context.httpMethod,
  };
  // Longest names first, so `$context.error.messageString` is not read as `$context.error.message` + "String".
  const names = Object.keys(values).sort((a, b) => b.length - a.length);
  const pattern = new RegExp(
    names.map((name) => name.replaceAll('$', '\\$').replaceAll('.', '\\.')).join('|'),
    'g',
  );
  return template.replace(pattern, (name) => values[name] ?? name);
}

/** A response parameter's value: a quoted static `'value'` or `method.request.header.x`. */
function parameterValue(source: string, context: GatewayResponseContext): string | undefined {
  const literal = /^'(.*)'$/s.exec(source);
  if (literal) {
    return literal[1];
  }
  const header = /^method\.request\.header\.(.+)$/.exec(source);
  return header ? context.requestHeaders[(header[1] as string).toLowerCase()] : undefined;
}
