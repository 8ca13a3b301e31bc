import { readFileSync } from 'node:fs';
import { ConfigError } from '@vigil/runtime';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const IntervalsFile = z.object({
  sources: z.record(z.string(), z.object({ expectedIntervalSeconds: z.number().int().positive().optional() }).loose()),
});

/**
 * Each source's `expectedIntervalSeconds` from the sources file, for the source-silent rule. Reads
 * only that field: the detector has no business with the sources' secrets.
 */
export function readSourceIntervals(path: string): Record<string, number> {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`${path}: cannot read the sources file: ${(error as Error).message}`]);
  }
  const parsed = IntervalsFile.safeParse(doc);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${path}: ${i.path.map(String).join('.') || '(root)'}: ${i.message}`));
  }
  const intervals: Record<string, number> = {};
  for (const [name, source] of Object.entries(parsed.data.sources)) {
    if (source.expectedIntervalSeconds !== undefined) intervals[name] = source.expectedIntervalSeconds;
  }
  return intervals;
}
