// Loads a function's handler the way the Node.js runtime does (aws-lambda-nodejs-runtime-interface-client 3.x,
// UserFunction.js), for local/lambda/runtime-worker.mjs.
import { existsSync, readFileSync } from 'node:fs';
import nodeModule, { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';
import {
  HandlerNotFound,
  ImportModuleError,
  MalformedHandlerName,
  UserCodeSyntaxError,
} from './runtime-errors.mjs';

const require = createRequire(import.meta.url);

// In Lambda no package.json sits above /var/task. Here the code folder lives inside a project whose package.json
// may say "type": "module", which would make Node load a CommonJS index.js as an ES module. So for .js files in
// the task root with no package.json of their own up to the root, decide as Node does without one: CommonJS,
// unless the source only parses as an ES module (Node 22's syntax detection).
// https://nodejs.org/api/packages.html#determining-module-system
function packageJsonTypeWithinTaskRoot(taskRoot, directory) {
  for (let folder = directory; folder.startsWith(taskRoot); folder = path.dirname(folder)) {
    const packageJson = path.join(folder, 'package.json');
    if (existsSync(packageJson)) {
      try {
        return JSON.parse(readFileSync(packageJson, 'utf8')).type ?? 'commonjs';
      } catch {
        return 'commonjs';
      }
    }
    if (folder === taskRoot) {
      break;
    }
  }
  return undefined;
}

function parsesAsCommonJs(source) {
  try {
    vm.compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname']);
    return true;
  } catch {
    return false;
  }
}

/** Makes .js files in `taskRoot` load as they would in /var/task. Call before loading the function's code. */
export function useTaskRootModuleFormat(taskRoot) {
  if (typeof nodeModule.registerHooks !== 'function') {
    return;
  }
  nodeModule.registerHooks({
    load(url, context, nextLoad) {
      const result = nextLoad(url, context);
      if (
        !url.startsWith('file:') ||
        !url.endsWith('.js') ||
        !['module', 'commonjs'].includes(result.format)
      ) {
        return result;
      }
      const file = fileURLToPath(url);
      if (
        !file.startsWith(taskRoot + path.sep) ||
        packageJsonTypeWithinTaskRoot(taskRoot, path.dirname(file))
      ) {
        return result;
      }
      const source = result.source ?? readFileSync(file);
      return { ...result, source, format: parsesAsCommonJs(String(source)) ? 'commonjs' : 'module' };
    },
  });
}

/** Whether a package.json between `folder` and the task root says "type": "module" (the runtime's own check). */
function hasPackageJsonTypeModule(taskRoot, folder) {
  if (folder.endsWith('/node_modules') || folder === path.dirname(taskRoot) || folder === '/') {
    return false;
  }
  const packageJson = path.join(folder, 'package.json');
  if (existsSync(packageJson)) {
    try {
      return JSON.parse(readFileSync(packageJson, 'utf8')).type === 'module';
    } catch {
      return false;
    }
  }
  return hasPackageJsonTypeModule(taskRoot, path.resolve(folder, '..'));
}

const tryRequireFile = (file, extension = '') =>
  existsSync(file + extension) ? require(file + extension) : undefined;

const tryImport = async (file, extension) =>
  existsSync(file + extension) ? await import(pathToFileURL(file + extension).href) : undefined;

// The runtime's lookup: the path as given, then .js (CommonJS unless package.json says module), .mjs, .cjs,
// then Node's own resolution from the task root. https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html
async function loadModule(taskRoot, moduleRoot, moduleName) {
  const lambdaStylePath = path.resolve(taskRoot, moduleRoot, moduleName);
  const extensionless = tryRequireFile(lambdaStylePath);
  if (extensionless) {
    return extensionless;
  }
  const typeModule = hasPackageJsonTypeModule(taskRoot, path.dirname(lambdaStylePath));
  if (!typeModule) {
    const loaded = tryRequireFile(lambdaStylePath, '.js');
    if (loaded) {
      return loaded;
    }
  }
  const loaded =
    (typeModule && (await tryImport(lambdaStylePath, '.js'))) ||
    (await tryImport(lambdaStylePath, '.mjs')) ||
    tryRequireFile(lambdaStylePath, '.cjs');
  return loaded || require(require.resolve(moduleName, { paths: [taskRoot, moduleRoot] }));
}

/** The handler `fullHandlerString` names in `taskRoot`, or the Runtime.* error the runtime reports. */
export async function loadHandler(taskRoot, fullHandlerString) {
  if (fullHandlerString.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullHandlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const handlerString = path.basename(fullHandlerString);
  const moduleRoot = fullHandlerString.substring(0, fullHandlerString.indexOf(handlerString));
  const match = /^([^.]*)\.(.*)$/.exec(handlerString);
  if (!match) {
    throw new MalformedHandlerName('Bad handler');
  }
  const [, moduleName, handlerPath] = match;
  let userApp;
  try {
    userApp = await loadModule(taskRoot, moduleRoot, moduleName);
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new UserCodeSyntaxError(error);
    }
    throw error?.code === 'MODULE_NOT_FOUND' ? new ImportModuleError(error) : error;
  }
  const handler = handlerPath.split('.').reduce((nested, key) => nested?.[key], userApp);
  if (!handler) {
    throw new HandlerNotFound(`${fullHandlerString} is undefined or not exported`);
  }
  if (typeof handler !== 'function') {
    throw new HandlerNotFound(`${fullHandlerString} is not a function`);
  }
  return handler;
}
