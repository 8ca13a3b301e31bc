import { readFileSync } from 'node:fs';
import { applyOverrides, catalog, type Rule } from '@vigil/rules';
import { ConfigError } from '@vigil/runtime';
import { parse as parseYaml } from 'yaml';

/** The catalog as the override file configures it; without a file, the catalog's defaults. */
export function loadRules(path: string | undefined): Rule[] {
  if (!path) return [...catalog];
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`${path}: cannot read the rules file: ${(error as Error).message}`]);
  }
  if (doc === null || typeof doc !== 'object' || !('rules' in doc)) {
    throw new ConfigError([`${path}: expected a top-level "rules:" map from rule id to overrides`]);
  }
  try {
    return applyOverrides(catalog, (doc as { rules: unknown }).rules);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(error.problems.map((p) => `${path}: ${p}`));
    throw error;
  }
}
