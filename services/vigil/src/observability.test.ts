/**
 * The Grafana dashboard and the Prometheus alert rules in deploy/ name only metrics Vigil exports: those
 * documented in docs/operations.md, prom-client's default process metrics under `vigil_process_`, and `up`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

const documented = new Set([...readFileSync(repo('docs/operations.md'), 'utf8').matchAll(/^\| `(vigil_[a-z_]+)` \| (\w+) \|/gm)].map((m) => `${m[1]}|${m[2]}`));
const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'vigil_process_' });
const processMetrics = new Set(registry.getMetricsAsArray().map((m) => m.name));
const metricNames = new Set([...documented].map((entry) => entry.split('|')[0]!));

/** Metric names in a PromQL expression (histogram series resolve to their histogram). */
function referenced(expr: string): string[] {
  const names = [...expr.matchAll(/\b(vigil_[a-z_]+|up)\b(?!\s*\()/g)].map((m) => m[1]!);
  return names.filter((n) => !['vigil'].includes(n));
}
function exported(name: string): boolean {
  if (name === 'up' || metricNames.has(name) || processMetrics.has(name)) return true;
  const histogram = name.replace(/_(bucket|sum|count)$/, '');
  return [...documented].includes(`${histogram}|histogram`);
}

describe('deploy/ observability', () => {
  it('documents metrics to check against', () => {
    expect(metricNames.size).toBeGreaterThan(5);
    expect(processMetrics.has('vigil_process_process_resident_memory_bytes')).toBe(true);
  });

  it('alert rules name only exported metrics, each with a summary and a severity', () => {
    const file = parseYaml(readFileSync(repo('deploy/prometheus/vigil-alerts.yaml'), 'utf8')) as {
      groups: Array<{ rules: Array<{ alert: string; expr: string; labels: { severity: string }; annotations: { summary: string } }> }>;
    };
    const rules = file.groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThan(5);
    for (const rule of rules) {
      expect(referenced(rule.expr).filter((n) => !exported(n)), rule.alert).toEqual([]);
      expect(['page', 'ticket']).toContain(rule.labels.severity);
      expect(rule.annotations.summary.length).toBeGreaterThan(0);
    }
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  it('the dashboard queries only exported metrics', () => {
    const dashboard = JSON.parse(readFileSync(repo('deploy/grafana/vigil-dashboard.json'), 'utf8')) as {
      uid: string;
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    expect(dashboard.uid).toBe('vigil-overview');
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) expect(referenced(target.expr).filter((n) => !exported(n)), panel.title).toEqual([]);
    }
  });
});
