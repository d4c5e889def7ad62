import type { ServicePlugin } from '../service-plugin.ts';
import { webSocketApiProviders } from './providers.ts';

/** API Gateway WebSocket APIs, served by the local cloud's own API server. */
export const webSocketApiPlugin: ServicePlugin = {
  service: 'API Gateway WebSocket',
  resourceTypes: Object.keys(webSocketApiProviders()),
  providers: () => webSocketApiProviders(),
};
