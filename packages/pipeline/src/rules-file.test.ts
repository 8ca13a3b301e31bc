import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalog } from '@vigil/rules';
import { ConfigError } from '@vigil/runtime';
import { describe, expect, it } from 'vitest';
import { loadRules } from './rules-file';

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'vigil-rules-')), 'rules.yaml');
  writeFileSync(path, text);
  return path;
}

describe('loadRules', () => {
  it('loads the shipped example over the whole catalog', () => {
    const rules = loadRules('config/rules.example.yaml');
    expect(rules.map((r) => r.id)).toEqual(catalog.map((r) => r.id));
    const silent = rules.find((r) => r.id === 'logging.source-silent');
    expect(silent?.params).toMatchObject({ sources: { okta: 3_600_000, probes: 300_000 } });
  });

  it('leaves a disabled rule out', () => {
    const rules = loadRules(file('rules:\n  identity.admin-granted: { enabled: false }\n'));
    expect(rules.map((r) => r.id)).not.toContain('identity.admin-granted');
  });

  it('names the file, the rule and the field that are wrong', () => {
    const path = file('rules:\n  identity.brute-force:\n    parameters: { window: soon }\n  identity.nope: {}\n');
    try {
      loadRules(path);
      expect.unreachable('the file is invalid');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain(`${path}: rule identity.brute-force, parameters.window`);
      expect(problems).toContain(`${path}: rule identity.nope: no such rule`);
    }
    expect(() => loadRules(file('identity.brute-force: {}\n'))).toThrow(/top-level "rules:" map/);
  });
});
