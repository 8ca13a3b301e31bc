/**
 * The README and docs/ show the short commands: `pnpm vigil <command>` for operations, and only package
 * scripts that exist. A long `pnpm exec tsx packages/…` form, or a `pnpm vigil` command the CLI does not
 * have, fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from './commands';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

const pages = ['README.md', ...readdirSync(repo('docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const text = (page: string) => readFileSync(repo(page), 'utf8');
const scripts = Object.keys(
  (JSON.parse(readFileSync(repo('package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts,
);

/** Package scripts the docs may name directly: running, testing (the fault suite too), building, benchmarking. */
const DIRECT = new Set(['start', 'test', 'fault', 'bench', 'build', 'schemas', 'typecheck', 'lint', 'vigil']);

describe('commands in the README and docs', () => {
  it('never show the long tsx form', () => {
    const long = pages.flatMap((page) =>
      [...text(page).matchAll(/pnpm exec tsx|npx tsx|\btsx (packages|services|tools)\//g)].map((m) => `${page}: ${m[0]}`),
    );
    expect(long).toEqual([]);
  });

  it('name only `pnpm vigil` commands that exist, and run other operations through `pnpm vigil`', () => {
    const wrong: string[] = [];
    for (const page of pages) {
      for (const [, script, rest] of text(page).matchAll(/`[^`\n]*?\bpnpm ([a-z][\w:-]*)([^`\n]*)`/g)) {
        if (script === 'vigil') {
          const command = rest!.trim().split(/\s+/)[0] ?? '';
          if (/^[a-z]/.test(command) && !(command in COMMANDS)) wrong.push(`${page}: pnpm vigil ${command}`);
        } else if (scripts.includes(script!) && !DIRECT.has(script!.split(':')[0]!)) {
          wrong.push(`${page}: pnpm ${script} (use pnpm vigil ${script})`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
