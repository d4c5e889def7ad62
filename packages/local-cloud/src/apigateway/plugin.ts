import type { ServicePlugin } from '../service-plugin.ts';
import { restApiProviders } from './providers.ts';

/** API Gateway REST APIs, served by the local cloud's own API server. */
export const restApiPlugin: ServicePlugin = {
  service: 'API Gateway REST',
  resourceTypes: Object.keys(restApiProviders()),
  providers: () => restApiProviders(),
};
