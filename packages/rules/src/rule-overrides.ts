import { ConfigError } from '@vigil/runtime';
import { Severity } from '@vigil/schema';
import { z } from 'zod';
import type { Rule } from './rule';

/** What an operator may change about one rule; every field optional, unknown fields rejected. */
export const RuleOverride = z.strictObject({
  enabled: z.boolean().optional(),
  severity: Severity.optional(),
  /** Replaces the rule's owner key for every detection, e.g. a team's entry in the owners map. */
  owner: z.string().min(1).optional(),
  /** Merged over the rule's defaults and validated by the rule's own parameter schema. */
  parameters: z.record(z.string(), z.unknown()).optional(),
});
export type RuleOverride = z.input<typeof RuleOverride>;

/** Keyed by rule id; the shape of the `rules:` section of the override file. */
export const RuleOverrides = z.record(z.string(), RuleOverride);
export type RuleOverrides = z.input<typeof RuleOverrides>;

/**
 * The catalog as configured: disabled rules left out, severity, owner and parameters replaced.
 * Throws a `ConfigError` listing every problem at once, each naming the rule and the field.
 */
export function applyOverrides(catalog: readonly Rule[], overrides: unknown): Rule[] {
  const shape = z.record(z.string(), z.unknown()).safeParse(overrides ?? {});
  if (!shape.success) {
    throw new ConfigError([`(overrides): expected a map from rule id to its overrides`]);
  }
  const byId = new Map(catalog.map((rule) => [rule.id, rule]));
  const problems: string[] = [];
  for (const ruleId of Object.keys(shape.data)) {
    if (!byId.has(ruleId))
      problems.push(`rule ${ruleId}: no such rule; known rules: ${[...byId.keys()].join(', ')}`);
  }

  const configured: Rule[] = [];
  for (const rule of catalog) {
    if (!(rule.id in shape.data)) {
      configured.push(rule);
      continue;
    }
    const override = RuleOverride.safeParse(shape.data[rule.id]);
    if (!override.success) {
      for (const issue of override.error.issues) problems.push(problem(rule.id, issue.path, issue.message));
    }
    const params = rule.parameters.safeParse((override.success ? override.data.parameters : undefined) ?? {});
    if (!params.success) {
      for (const issue of params.error.issues)
        problems.push(problem(rule.id, ['parameters', ...issue.path], issue.message));
    }
    if (!override.success || !params.success || override.data.enabled === false) continue;
    const { severity, owner } = override.data;
    configured.push({
      ...rule,
      params: params.data,
      severity: severity ?? rule.severity,
      ownerKey: owner === undefined ? rule.ownerKey : () => owner,
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return configured;
}

function problem(ruleId: string, path: ReadonlyArray<PropertyKey>, message: string): string {
  return `rule ${ruleId}${path.length > 0 ? `, ${path.map(String).join('.')}` : ''}: ${message}`;
}
