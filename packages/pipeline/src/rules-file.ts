import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ServicesConfig } from '@vigil/incidents';
import { applyOverrides, catalog, loadRulesDirectory, type Rule } from '@vigil/rules';
import { ConfigError } from '@vigil/runtime';
import { unsafeContent } from '@vigil/schema';
import { parse as parseYaml } from 'yaml';

/** Deeper than any rule's parameters go. */
const RULES_FILE_MAX_DEPTH = 16;

const SOURCE_SILENT = 'logging.source-silent';

/**
 * Where the detector's availability rules take their targets from when a services file is given: the
 * same commitments (and SLOs) the reports measure against, so a breach alert and the report never use
 * different numbers. The rules file may not set them too.
 */
const TARGETS_FROM_SERVICES = {
  'availability.commitment-breach': { fields: ['commitment', 'commitments'], map: 'commitments' },
  'availability.slo-burn': { fields: ['target', 'targets'], map: 'targets' },
} as const;

/**
 * The catalog plus the rules of `dir` (native and Sigma, docs/rules.md), as the override file
 * configures them; without either, the catalog's defaults. The sources file's
 * `expectedIntervalSeconds` register sources with the source-silent rule; a source the rules file
 * names itself keeps the rules file's interval. With the services file (`SERVICES_FILE`), each
 * service's commitment is the commitment-breach rule's and its SLO (else its commitment) the
 * slo-burn rule's target. Throws a `ConfigError` naming the file, and the
 * rule and field (or line) of every problem.
 */
export function loadRules(
  path: string | undefined,
  sourceIntervals: Record<string, number> = {},
  dir?: string,
  services?: ServicesConfig,
  /** Told of deprecated settings that still work (the detector logs them). */
  warn: (message: string) => void = () => undefined,
): Rule[] {
  const directory = dir
    ? loadRulesDirectory(
        dir,
        catalog.map((r) => r.id),
      )
    : undefined;
  const custom = directory?.rules ?? [];
  const overrides = path ? readOverrides(path) : {};
  // Every detection names the configuration it fired under: the override file as written, the directory's files.
  const rulesHash = createHash('sha256')
    .update(`file\u0000${path ? readFileSync(path, 'utf8') : ''}\u0000dir\u0000${directory?.hash ?? ''}`)
    .digest('hex');
  const withIntervals = registerSources(overrides, sourceIntervals);
  if (services) {
    const { problems, deprecated } = withServiceTargets(withIntervals, services);
    if (problems.length > 0) throw new ConfigError(problems.map((p) => `${path}: ${p}`));
    for (const message of deprecated) warn(`${path}: ${message}`);
  }
  try {
    return applyOverrides([...catalog, ...custom], withIntervals).map((rule) => ({ ...rule, rulesHash }));
  } catch (error) {
    if (error instanceof ConfigError && path)
      throw new ConfigError(error.problems.map((p) => `${path}: ${p}`));
    throw error;
  }
}

function readOverrides(path: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`${path}: cannot read the rules file: ${(error as Error).message}`]);
  }
  // A NUL or lone surrogate would ride on every detection of the rule (its parameters are recorded with
  // each) and PostgreSQL would refuse them all: refused here, at start, instead.
  const unsafe = unsafeContent(doc, { checkText: true, maxDepth: RULES_FILE_MAX_DEPTH });
  if (unsafe.length > 0) throw new ConfigError(unsafe.map((p) => `${path}: ${p.path}: ${p.message}`));
  if (doc === null || typeof doc !== 'object' || !('rules' in doc)) {
    throw new ConfigError([`${path}: expected a top-level "rules:" map from rule id to overrides`]);
  }
  const rules = (doc as { rules: unknown }).rules ?? {};
  if (typeof rules !== 'object' || Array.isArray(rules)) {
    throw new ConfigError([`${path}: (overrides): expected a map from rule id to its overrides`]);
  }
  return rules as Record<string, unknown>;
}

function registerSources(
  overrides: Record<string, unknown>,
  intervals: Record<string, number>,
): Record<string, unknown> {
  if (Object.keys(intervals).length === 0) return overrides;
  const silent = (overrides[SOURCE_SILENT] ?? {}) as { parameters?: { sources?: Record<string, unknown> } };
  if (typeof silent !== 'object' || silent === null) return overrides;
  const parameters = silent.parameters ?? {};
  return {
    ...overrides,
    [SOURCE_SILENT]: {
      ...silent,
      parameters: { ...parameters, sources: { ...intervals, ...(parameters.sources ?? {}) } },
    },
  };
}

/**
 * Puts the services' targets into the overrides. What the rules file sets too is deprecated but kept where it
 * cannot disagree with the services file: a default (`commitment`, `target`) for services the file does not
 * list, an entry equal to the file's, an entry for a service the file does not list. An entry that differs
 * from the file's is refused: the rule and the report would measure against different numbers.
 */
function withServiceTargets(
  overrides: Record<string, unknown>,
  services: ServicesConfig,
): { problems: string[]; deprecated: string[] } {
  const problems: string[] = [];
  const deprecated: string[] = [];
  for (const [ruleId, { fields, map }] of Object.entries(TARGETS_FROM_SERVICES)) {
    const override = (overrides[ruleId] ?? {}) as { parameters?: Record<string, unknown> };
    const parameters = { ...(override.parameters ?? {}) };
    const fromServices = Object.fromEntries(
      services.services.map((service) => [
        service.id,
        map === 'targets' ? (service.slo ?? service.commitment) : service.commitment,
      ]),
    );
    const fromRules = (parameters[map] ?? {}) as Record<string, unknown>;
    for (const [id, value] of Object.entries(
      typeof fromRules === 'object' && fromRules !== null ? fromRules : {},
    )) {
      if (id in fromServices && fromServices[id] !== value) {
        problems.push(
          `rule ${ruleId}, parameters.${map}.${id}: ${String(value)} differs from SERVICES_FILE (${fromServices[id]}), the one source of truth for commitments; remove it here`,
        );
      }
    }
    for (const field of fields) {
      if (field in parameters) {
        deprecated.push(
          `rule ${ruleId}, parameters.${field}: deprecated when SERVICES_FILE is given (the one source of truth for commitments, used by the rules and the report); move it there. Services the file lists take their targets from it`,
        );
      }
    }
    parameters[map] = { ...fromRules, ...fromServices };
    overrides[ruleId] = { ...override, parameters };
  }
  return { problems, deprecated };
}
