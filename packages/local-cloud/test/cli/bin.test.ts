import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve(import.meta.dirname, '../../bin/local-cloud.mjs');

/** Whether `version` is older than the 22.5 the local cloud needs. */
function tooOld(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major < 22 || (major === 22 && minor < 5);
}

/** A Node.js older than 22.5 on this machine (Debian's, say), if there is one. */
function findOldNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (existsSync(candidate)) {
      const version = execFileSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
      if (tooOld(version)) {
        return candidate;
      }
    }
  }
  return undefined;
}

describe('the local-cloud command (npx local-cloud)', () => {
  it('prints its usage through the front door on this Node.js', () => {
    const run = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: local-cloud \[options\]/);
    expect(run.stdout).toContain('--app <command>');
    // Without a project's watch mode, the command does not offer one.
    expect(run.stdout).not.toContain('--watch');
  });

  it('refuses --watch, which only a project that provides it offers', () => {
    const run = spawnSync(process.execPath, [BIN, '--watch', '--no-synth', '--assembly', 'missing'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe('error: --watch is not available in this command');
  });

  const oldNode = findOldNode();
  it.skipIf(oldNode === undefined)(
    'exits at once on a Node.js older than 22.5 with one line, and no stack trace (runs where one is installed)',
    () => {
      const run = spawnSync(oldNode as string, [BIN, '--help'], { encoding: 'utf8', timeout: 60_000 });
      expect(run.status).toBe(1);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(
        /^error: the local cloud needs Node\.js 22\.5 or newer, and this is 2[0-2]\./,
      );
    },
  );
});
