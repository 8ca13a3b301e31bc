import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONFIG_FILES, schemaText, type ConfigFileKind } from './config-schemas';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const EXAMPLES: Record<ConfigFileKind, string> = {
  sources: 'config/sources.example.yaml',
  owners: 'config/owners.example.yaml',
  services: 'config/services.example.yaml',
  rules: 'config/rules.example.yaml',
  prober: 'packages/sources/src/prober/prober.example.yaml',
  vendors: 'config/vendors.example.yaml',
};

describe.each(Object.keys(CONFIG_FILES) as ConfigFileKind[])('the %s file', (kind) => {
  it('has a committed JSON Schema generated from its zod schema (else run pnpm schemas)', () => {
    expect(readFileSync(repo(`config/schemas/${kind}.schema.json`), 'utf8')).toBe(schemaText(kind));
  });

  it('example names the schema on its first line, for editors, and is valid against it', () => {
    const example = repo(EXAMPLES[kind]);
    const text = readFileSync(example, 'utf8');
    const match = /^# yaml-language-server: \$schema=(\S+)\n/.exec(text);
    expect(match, `${EXAMPLES[kind]} starts with a yaml-language-server line`).not.toBeNull();
    const schemaPath = resolve(dirname(example), match![1]!);
    expect(schemaPath).toBe(repo(`config/schemas/${kind}.schema.json`));
    expect(existsSync(schemaPath)).toBe(true);
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);
    expect(validate(parseYaml(text)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('rejects what start-up rejects: an unknown top-level key', () => {
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(schemaText(kind)) as object);
    if (kind === 'sources') return expect(validate({ sources: { x: { format: 'nope', auth: { type: 'bearer', secretEnv: 'X' } } } })).toBe(false);
    expect(validate({ [`${kind}-typo`]: {} })).toBe(false);
  });
});
