import { startRestApiServer } from './apigateway/rest-api-server.ts';
import { buildWebSocketApis } from './apigatewayv2/websocket-api-model.ts';
import { WebSocketGateway } from './apigatewayv2/websocket-gateway.ts';
import type { DeployedStack } from './cloudformation/types.ts';
import { EmulatorError } from './emulators/emulator-error.ts';
import type { FunctionInvoker } from './lambda/types.ts';
import type { SecretLookup } from './sigv4/signed-request.ts';
import type { StaticSite } from './static-site.ts';

/** The API server: it serves the APIs of the stack given to `reload` from then on. */
export interface ApiServer {
  close(): Promise<void>;
  reload(stack: DeployedStack | undefined): void;
}

export interface ServeApisOptions {
  readonly invoker: FunctionInvoker;
  readonly port: number;
  readonly secretFor: SecretLookup;
  /** Pages served beside the APIs. */
  readonly site: StaticSite;
  readonly output: (source: string, line: string) => void;
}

/**
 * Serves the REST and WebSocket APIs of the one stack that has APIs on one port (the API id in the path tells
 * them apart); nothing when no stack has an API.
 */
export async function serveApis(
  stacks: readonly DeployedStack[],
  options: ServeApisOptions,
): Promise<ApiServer | undefined> {
  const withApis = stacks.filter((stack) =>
    [...stack.resources.values()].some(
      (resource) =>
        resource.type === 'AWS::ApiGateway::RestApi' || resource.type === 'AWS::ApiGatewayV2::Api',
    ),
  );
  if (withApis.length > 1) {
    throw new EmulatorError('APIs in more than one stack are not supported by the local cloud yet.');
  }
  const [apiStack] = withApis;
  if (!apiStack) {
    return undefined;
  }
  const webSocketApis = buildWebSocketApis(apiStack);
  return startRestApiServer({
    stack: apiStack,
    invoker: options.invoker,
    port: options.port,
    webSockets:
      webSocketApis.size > 0
        ? new WebSocketGateway({
            apis: webSocketApis,
            invoker: options.invoker,
            region: apiStack.region,
            accountId: apiStack.accountId,
            log: (line) => options.output('api-gateway-websocket', line),
          })
        : undefined,
    secretFor: options.secretFor,
    site: options.site,
    log: (line) => options.output('api-gateway', line),
  });
}
