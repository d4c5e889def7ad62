import { TemplateError } from '../cloudformation/template-error.ts';
import type { IntegrationProperties, IntegrationResponseProperties } from './properties.ts';
import type { MockAnswer } from './rest-api-model.ts';

/**
 * A `MOCK` integration's answer, as API Gateway makes it: the request template names a status code, which selects
 * the integration response whose `SelectionPattern` matches it (or the one without a pattern); that response
 * gives the status, the headers (static `'values'` of `method.response.header.*` parameters) and the body (its
 * `application/json` template). Templates are not evaluated: one with VTL (`$` or `#`) fails the boot.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-mock-integration.html
 */
export function mockAnswer(logicalId: string, integration: IntegrationProperties): MockAnswer {
  const templates = integration.RequestTemplates ?? {};
  const requestTemplate = templates['application/json'] ?? Object.values(templates)[0] ?? '';
  const statusCode = /statusCode"?\s*:\s*(\d{3})/.exec(requestTemplate)?.[1] ?? '200';
  const responses = integration.IntegrationResponses ?? [];
  const selected =
    responses.find(
      (response) =>
        response.SelectionPattern !== undefined &&
        response.SelectionPattern !== '' &&
        new RegExp(`^(?:${response.SelectionPattern})$`).test(statusCode),
    ) ?? responses.find((response) => !response.SelectionPattern);
  if (!selected) {
    throw new TemplateError(
      `Resource ${logicalId}: no integration response for the MOCK status ${statusCode}`,
    );
  }
  const body = selected.ResponseTemplates?.['application/json'] ?? '';
  if (/[$#]/.test(body)) {
    throw new TemplateError(
      `Resource ${logicalId}: the MOCK response template uses VTL, which the local cloud does not evaluate`,
    );
  }
  return { status: Number(selected.StatusCode), headers: mockHeaders(logicalId, selected), body };
}

/** The static header values of a `MOCK` integration response. */
function mockHeaders(logicalId: string, response: IntegrationResponseProperties): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.ResponseParameters ?? {})) {
    const header = /^method\.response\.header\.(.+)$/.exec(name)?.[1];
    const literal = /^'(.*)'$/.exec(value)?.[1];
    if (!header || literal === undefined) {
      throw new TemplateError(
        `Resource ${logicalId}: the MOCK response parameter ${name} = ${value} is not a static header value, the only kind the local cloud answers`,
      );
    }
    headers[header] = literal;
  }
  return headers;
}
