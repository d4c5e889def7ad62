import type { ServicePlugin } from '../service-plugin.ts';
import { eventInvokeConfigProvider } from './event-invoke-config-provider.ts';
import { functionProvider } from './function-provider.ts';
import { layerVersionProvider } from './layer-version-provider.ts';
import { permissionProperties } from './properties.ts';

/** Lambda functions, run by the local cloud's own host in worker threads, and their asynchronous invocation. */
export const lambdaPlugin: ServicePlugin = {
  service: 'Lambda',
  resourceTypes: ['AWS::Lambda::Function', 'AWS::Lambda::EventInvokeConfig', 'AWS::Lambda::LayerVersion'],
  providers: ({ runtime, inputs, scratchDirectory, rewriteEndpoints }) => ({
    'AWS::Lambda::Function': functionProvider({
      host: {
        register: (config) => {
          runtime.host.register(config);
          runtime.asyncInvocations.register(config.functionName, config.functionArn);
        },
        update: (config) => runtime.host.update(config),
        unregister: (functionName) => {
          runtime.host.unregister(functionName);
          runtime.asyncInvocations.unregister(functionName);
        },
      },
      assetsByObjectKey: inputs.assetsByObjectKey,
      scratchDirectory,
      rewriteEndpoints,
      standIns: inputs.standIns,
    }),
    'AWS::Lambda::EventInvokeConfig': eventInvokeConfigProvider(runtime.asyncInvocations),
    'AWS::Lambda::LayerVersion': layerVersionProvider(inputs.assetsByObjectKey),
  }),
  ignored: [
    {
      type: 'AWS::Lambda::Permission',
      reason: 'Resource policies are not evaluated; routes invoke their integration function directly.',
      properties: permissionProperties,
    },
  ],
};
