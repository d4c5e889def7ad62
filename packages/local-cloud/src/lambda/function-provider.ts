import { statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { generatedName } from '../cloudformation/physical-ids.ts';
import {
  propertyError,
  type TypedCreateRequest,
  typedProvider,
} from '../cloudformation/resource-properties.ts';
import { TemplateError } from '../cloudformation/template-error.ts';
import type { ResourceProvider } from '../cloudformation/types.ts';
import { type FunctionProperties, functionProperties } from './properties.ts';
import type { FunctionConfig } from './types.ts';

/** Where functions run: the Lambda host (and the asynchronous invocation queue beside it). */
export interface FunctionHost {
  register(config: FunctionConfig): void;
  /** Gives a registered function a new configuration and code (see `LambdaHost.update`). */
  update?(config: FunctionConfig): void;
  /** Removes a function (see `LambdaHost.unregister`). */
  unregister?(functionName: string): void;
}

export interface FunctionProviderOptions {
  /** Where functions are registered to run. */
  readonly host: FunctionHost;
  /** Staged asset folders by the S3 object key the template names. */
  readonly assetsByObjectKey: ReadonlyMap<string, string>;
  /** Where inline (`ZipFile`) code is written. */
  readonly scratchDirectory: string;
  /** Rewrites AWS endpoint URLs in environment values to their local counterparts. */
  readonly rewriteEndpoints: (value: string) => string;
  /**
   * Functions created but never run, by logical id: the handlers of custom resources the local cloud implements
   * itself (see {@link customResourceHandlers}). They may use any runtime; invoking one fails as an unknown function.
   */
  readonly standIns?: ReadonlySet<string>;
}

/**
 * The logical ids of the functions that serve only as `ServiceToken` of custom resources of the given types, e.g.
 * CDK's Python handler of `Custom::S3BucketNotifications`, which the local cloud applies with its own provider.
 */
export function customResourceHandlers(
  resources: Readonly<
    Record<string, { readonly Type: string; readonly Properties?: Readonly<Record<string, unknown>> }>
  >,
  implementedTypes: ReadonlySet<string>,
): Set<string> {
  // The template as written, before resolution: a token is `{"Fn::GetAtt": [function, "Arn"]}`.
  const getAttToken = z.object({ 'Fn::GetAtt': z.tuple([z.string(), z.string()]) });
  const tokenTarget = (resource: {
    readonly Properties?: Readonly<Record<string, unknown>>;
  }): string | undefined => {
    const token = getAttToken.safeParse(resource.Properties?.ServiceToken);
    return token.success ? token.data['Fn::GetAtt'][0] : undefined;
  };
  const handlers = new Set<string>();
  const otherUses = new Set<string>();
  for (const resource of Object.values(resources)) {
    const target = tokenTarget(resource);
    if (target !== undefined) {
      (implementedTypes.has(resource.Type) ? handlers : otherUses).add(target);
    }
  }
  return new Set([...handlers].filter((logicalId) => !otherUses.has(logicalId)));
}

/**
 * Creates `AWS::Lambda::Function` resources on the local Lambda host. Ref = function name; Arn attribute. An update
 * gives the function its new configuration and code, as UpdateFunctionConfiguration and UpdateFunctionCode do;
 * a delete removes it. https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-function.html
 */
export function functionProvider(options: FunctionProviderOptions): ResourceProvider {
  return typedProvider(functionProperties, {
    async create(request) {
      const { functionName, functionArn } = functionIdentity(request);
      if (!options.standIns?.has(request.logicalId)) {
        options.host.register(await functionConfig(request, functionName, functionArn, options));
      }
      return { physicalId: functionName, attributes: { Arn: functionArn } };
    },
    async update(request) {
      const functionArn = `arn:aws:lambda:${request.region}:${request.accountId}:function:${request.physicalId}`;
      if (!options.standIns?.has(request.logicalId)) {
        const config = await functionConfig(request, request.physicalId, functionArn, options);
        if (!options.host.update) {
          throw new TemplateError(`Resource ${request.logicalId}: this Lambda host cannot update functions`);
        }
        options.host.update(config);
      }
      return { physicalId: request.physicalId, attributes: { Arn: functionArn } };
    },
    async delete(request) {
      options.host.unregister?.(request.physicalId);
    },
  });
}

type FunctionRequest = TypedCreateRequest<FunctionProperties>;

/** The function's name (the template's, else a generated one of at most 64 characters) and ARN. */
function functionIdentity(request: FunctionRequest): { functionName: string; functionArn: string } {
  const functionName =
    request.properties.FunctionName ??
    generatedName(request.stackName, request.logicalId, 64, request.replaces);
  return {
    functionName,
    functionArn: `arn:aws:lambda:${request.region}:${request.accountId}:function:${functionName}`,
  };
}

/** How the host runs the function the request describes; fails for what the local cloud cannot run. */
async function functionConfig(
  request: FunctionRequest,
  functionName: string,
  functionArn: string,
  options: FunctionProviderOptions,
): Promise<FunctionConfig> {
  const properties = request.properties;
  const where = `Resource ${request.logicalId}`;
  if (properties.PackageType === 'Image' || properties.Code.ImageUri) {
    throw new TemplateError(
      `${where}: container image functions need Docker; the local cloud runs zip functions`,
    );
  }
  const runtime = properties.Runtime ?? '';
  if (!runtime.startsWith('nodejs')) {
    throw propertyError(
      request,
      'Runtime',
      `${runtime || '(none)'} is not supported; the local cloud runs Node.js`,
    );
  }
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(properties.Environment?.Variables ?? {})) {
    environment[name] = options.rewriteEndpoints(value);
  }
  return {
    functionName,
    functionArn,
    handler: properties.Handler ?? 'index.handler',
    codeDirectory: await codeDirectory(properties, functionName, options, where),
    runtime,
    // Lambda's defaults: 3 seconds and 128 MB.
    timeoutSeconds: properties.Timeout ?? 3,
    memorySizeMb: properties.MemorySize ?? 128,
    environment,
    reservedConcurrency: properties.ReservedConcurrentExecutions,
    logGroupName: properties.LoggingConfig?.LogGroup,
  };
}

async function codeDirectory(
  properties: FunctionProperties,
  functionName: string,
  options: FunctionProviderOptions,
  where: string,
): Promise<string> {
  if (properties.Code.ZipFile !== undefined) {
    // Inline code is an index file in the Node.js runtimes.
    const directory = path.join(options.scratchDirectory, 'inline-code', functionName);
    await mkdir(directory, { recursive: true });
    await writeFile(path.join(directory, 'index.js'), properties.Code.ZipFile);
    return directory;
  }
  const key = properties.Code.S3Key;
  const staged = key === undefined ? undefined : options.assetsByObjectKey.get(key);
  if (!staged) {
    throw new TemplateError(`${where}: code ${key ?? '(no S3Key)'} is not an asset of this cloud assembly`);
  }
  if (!statSync(staged).isDirectory()) {
    throw new TemplateError(`${where}: asset ${staged} is a file; the local cloud runs staged asset folders`);
  }
  return staged;
}
