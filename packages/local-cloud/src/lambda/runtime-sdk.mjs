// The AWS SDK for JavaScript v3 that the Lambda Node.js runtimes (nodejs18.x and later) include, for
// local/lambda/runtime-worker.mjs. In Lambda it sits in /var/runtime/node_modules, after the function's own
// node_modules in the lookup, so a handler that marks `@aws-sdk/*` external in its bundle imports it from there.
// https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html#nodejs-sdk-included
// Here the local cloud's own node_modules play that part: a function's code is a staged asset folder, outside
// any node_modules of its own, so such an import would otherwise fail (or, by chance, find a project's copy).
import nodeModule from 'node:module';

/** The packages the runtime provides: the SDK's clients and libraries, and the Smithy packages they build on. */
const RUNTIME_PACKAGES = /^@(aws-sdk|smithy)\//;

const NOT_FOUND_CODES = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);

/**
 * Resolves `@aws-sdk/*` and `@smithy/*` imports and requires that the function's code cannot resolve itself from
 * the local cloud's own node_modules, as the runtime's copy would. A function that bundles or ships its own copy
 * gets its own copy: its lookup is tried first, as Lambda's is.
 */
export function useRuntimeProvidedSdk() {
  if (typeof nodeModule.registerHooks !== 'function') {
    return;
  }
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (error) {
        if (!RUNTIME_PACKAGES.test(specifier) || !NOT_FOUND_CODES.has(error?.code)) {
          throw error;
        }
        // Resolved as if imported from this file, with the caller's conditions (import or require). A package the
        // local cloud lacks too fails with the function's own error, which names the function's file.
        try {
          return nextResolve(specifier, { ...context, parentURL: import.meta.url });
        } catch {
          throw error;
        }
      }
    },
  });
}
