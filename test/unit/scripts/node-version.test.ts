import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeVersionProblem } from '../../../scripts/node-version.mjs';

describe('nodeVersionProblem', () => {
  it('accepts Node.js 22.5 and newer', () => {
    for (const version of ['22.5.0', '22.23.5', '23.0.0', '24.1.2']) {
      expect(nodeVersionProblem(version), version).toBeUndefined();
    }
  });

  it('names the version needed, the version found, and how to get Node.js 22, on one line', () => {
    for (const version of ['20.20.2', '22.4.1', '18.0.0']) {
      const problem = nodeVersionProblem(version);
      expect(problem).toContain('needs Node.js 22.5 or newer');
      expect(problem).toContain(`this is ${version}`);
      expect(problem).toContain('nvm install');
      expect(problem).not.toContain('\n');
    }
  });
});

/** A Node.js older than 22.5 on this machine (Debian's, say), to run the npm scripts with, if there is one. */
function findOldNode(): string | undefined {
  const candidates = [
    ...(process.env.PATH ?? '').split(path.delimiter).map((folder) => path.join(folder, 'node')),
    '/usr/bin/node',
    '/usr/local/bin/node',
  ];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) {
      continue;
    }
    const version = execFileSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    if (nodeVersionProblem(version)) {
      return candidate;
    }
  }
  return undefined;
}

const oldNode = findOldNode();

describe.skipIf(oldNode === undefined)(
  'npm start and npm test on an old Node.js (runs where one is installed, as Debian 12 has)',
  () => {
    for (const script of ['start', 'test']) {
      it(`npm ${script} exits at once with the one-line error, and no stack trace`, () => {
        const folder = path.dirname(oldNode as string);
        const run = spawnSync('npm', [script], {
          encoding: 'utf8',
          env: { ...process.env, PATH: `${folder}${path.delimiter}${process.env.PATH ?? ''}` },
          timeout: 60_000,
        });

        expect(run.status).not.toBe(0);
        const lines = run.stderr.split('\n').filter((line) => line.startsWith('error: '));
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/^error: this project needs Node\.js 22\.5 or newer, and this is 2[0-2]\./);
        expect(run.stderr).not.toMatch(/^\s+at /m);
        expect(run.stdout).not.toContain('Synthesizing');
      });
    }
  },
);
