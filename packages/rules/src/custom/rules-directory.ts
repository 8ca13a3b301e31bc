import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@vigil/runtime';
import type { Rule } from '../rule';
import { compileNativeRule } from './native-rule';
import { Problems, asRecord, parseRuleFile, type RuleDocument } from './rule-source';
import { compileSigmaDocuments } from './sigma/sigma-rule';

export interface RulesDirectory {
  /** In file order; Sigma correlations before the detection rules they do not hide. */
  rules: Rule[];
  /** Each rule's file, for messages and the test report. */
  fileOf: ReadonlyMap<string, string>;
  /** sha256 over every file's name and content, so a detection can say which rule set fired it. */
  hash: string;
}

const SIGMA_KEYS = ['detection', 'correlation', 'logsource'];

/**
 * Loads every `*.yaml` / `*.yml` of `dir` (not recursively): native rules (with `match:`) and Sigma
 * rules (with `detection:` / `correlation:`). Throws a `ConfigError` listing every problem at once,
 * each with the file, the line and the field or feature; `reserved` are ids already taken (the catalog).
 */
export function loadRulesDirectory(dir: string, reserved: readonly string[] = []): RulesDirectory {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'))
      .sort();
  } catch (error) {
    throw new ConfigError([`${dir}: cannot read the rules directory: ${(error as Error).message}`]);
  }
  const problems = new Problems();
  const hash = createHash('sha256');
  const native: RuleDocument[] = [];
  const sigma: RuleDocument[] = [];
  for (const name of names) {
    const file = join(dir, name);
    const text = readFileSync(file, 'utf8');
    hash.update(`${name}\u0000${text}\u0000`);
    for (const doc of parseRuleFile(file, text, problems)) {
      const value = asRecord(doc.value);
      if (!value) problems.at(doc, [], 'expected a rule (a map)');
      else if (SIGMA_KEYS.some((k) => k in value)) sigma.push(doc);
      else if ('match' in value) native.push(doc);
      else
        problems.at(
          doc,
          [],
          'neither a native rule (no "match:") nor a Sigma rule (no "detection:" or "correlation:")',
        );
    }
  }
  const rules: Rule[] = [];
  const fileOf = new Map<string, string>();
  const taken = new Map<string, string>(reserved.map((id) => [id, 'the built-in catalog']));
  const add = (rule: Rule, doc: RuleDocument) => {
    const where = `${doc.file}:${doc.lineOf([])}`;
    const earlier = taken.get(rule.id);
    if (earlier) problems.add(`${where}: rule id ${rule.id} is already used by ${earlier}`);
    taken.set(rule.id, where);
    fileOf.set(rule.id, doc.file);
    rules.push(rule as Rule);
  };
  for (const doc of native) {
    const rule = compileNativeRule(doc, problems);
    if (rule) add(rule as unknown as Rule, doc);
  }
  for (const { rule, doc } of compileSigmaDocuments(sigma, problems)) add(rule as unknown as Rule, doc);
  problems.throwIfAny();
  return { rules, fileOf, hash: hash.digest('hex') };
}
