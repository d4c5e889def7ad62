import path from 'node:path';
import { type LocalCloud, synthesize } from '@serverless-data-sharing/local-cloud';
import { FunctionBundler, PROJECT_ROOT } from '../lib/bundling/function-bundler.ts';
import { FunctionReloader } from './function-reload.ts';
import { startWatchSession } from './watch-session.ts';

/** What `npm start -- --watch` watches: the CDK app's and the handlers' sources. */
const WATCHED_FOLDERS = ['bin', 'lib', 'lambda'] as const;

type UpdateSummary = Awaited<ReturnType<LocalCloud['update']>>;

/** Starts watch mode over a running local cloud: reloads edited handlers, applies edited constructs. */
export function watchLocalCloud(options: {
  readonly cloud: LocalCloud;
  readonly assemblyDirectory: string;
  readonly stateDirectory: string;
  readonly log: (line: string) => void;
}): Promise<{ close(): void }> {
  const { cloud, assemblyDirectory } = options;
  const reloader = new FunctionReloader({
    bundler: new FunctionBundler(),
    assemblyDirectory,
    codeDirectory: path.join(options.stateDirectory, 'reloaded-code'),
    functions: {
      functionName: (stackName, logicalId) =>
        cloud.stacks.find((stack) => stack.stackName === stackName)?.resources.get(logicalId)?.physicalId,
      updateFunctionCode: (functionName, codeDirectory) =>
        cloud.updateFunctionCode(functionName, codeDirectory),
    },
  });
  return startWatchSession({
    root: PROJECT_ROOT,
    folders: WATCHED_FOLDERS,
    appEntry: 'bin/app.ts',
    reloader,
    synthesize: () => synthesize({ outputDirectory: assemblyDirectory, projectDirectory: PROJECT_ROOT }),
    applyAssembly: async () => describeUpdate(await cloud.update(assemblyDirectory)),
    log: options.log,
  });
}

/** One line: what the update changed, stack by stack. */
export function describeUpdate(summary: UpdateSummary): string {
  const parts = summary.stacks.map((stack) => {
    const changes = (
      [
        ['created', stack.created],
        ['updated', stack.updated],
        ['replaced', stack.replaced],
        ['deleted', stack.deleted],
      ] as const
    )
      .filter(([, ids]) => ids.length > 0)
      .map(([verb, ids]) => `${verb} ${ids.join(', ')}`);
    const failures = stack.cleanupFailures.map((failure) => `could not delete ${failure.logicalId}`);
    return `${stack.stackName}: ${[...changes, ...failures].join('; ') || 'no change'}`;
  });
  return parts.join(' | ') || 'no stack changed';
}
