import { z } from 'zod';
import { ConfigError } from '@vigil/runtime';

/**
 * Service ids are the entity ids the prober and the service-down rule use. They appear as one path segment
 * (`/v1/availability/<id>`), so no slashes, spaces or query characters; `report` and `maintenance` are
 * routes.
 */
export const ServiceId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/,
    'expected a service id such as checkout or api.example.com (letters, digits, . _ : @ -; at most 200)',
  )
  .refine((id) => !RESERVED_IDS.includes(id), {
    message: `must not be one of ${['report', 'maintenance'].join(', ')} (they name API routes)`,
  });
const RESERVED_IDS = ['report', 'maintenance'];

const Percent = z
  .number({ error: 'expected a percentage such as 99.9' })
  .gt(0, 'must be above 0')
  .lt(100, 'must be below 100 (100 % leaves no error budget to measure)');

const Coverage = z
  .number({ error: 'expected a percentage such as 95' })
  .min(0, 'must be 0 or more')
  .max(100, 'must be 100 or less');

/** Without `minimumCoverage` in the file: an objective needs 90 % of the period monitored to be met. */
export const DEFAULT_MINIMUM_COVERAGE = 90;

const ServiceEntry = z
  .strictObject({
    /** Shown on the dashboard and in reports; the id when not given. */
    name: z.string().trim().min(1).max(200).optional(),
    /** Who answers for it, as people call the team; shown only. */
    owner: z.string().trim().min(1).max(200).optional(),
    /** Availability promised per calendar month (UTC), in percent: the figure customers were told. */
    commitment: Percent,
    /** The team's own, stricter objective, in percent; optional. */
    slo: Percent.optional(),
    /** Least share of the period, in percent, that must be monitored for an objective to count as met. */
    minimumCoverage: Coverage.optional(),
  })
  .superRefine((entry, ctx) => {
    if (entry.slo !== undefined && entry.slo < entry.commitment) {
      ctx.addIssue({
        code: 'custom',
        path: ['slo'],
        message: `must not be below the commitment (${entry.commitment}): an objective looser than the promise cannot warn in time`,
      });
    }
  });

export const ServicesFile = z.strictObject({
  /** Default for every service (percent); a service's own `minimumCoverage` wins. */
  minimumCoverage: Coverage.optional(),
  services: z.record(z.string(), ServiceEntry),
});

/** One service as the availability figures use it. */
export interface ServiceCommitment {
  id: string;
  name: string;
  owner: string | null;
  /** Percent per calendar month, e.g. 99.9. */
  commitment: number;
  /** Percent, or null when the service has no objective of its own. */
  slo: number | null;
  /** Percent of the period that must be monitored before an objective can be met. */
  minimumCoverage: number;
}

export interface ServicesConfig {
  /** In file order. */
  services: ServiceCommitment[];
}

export const NO_SERVICES: ServicesConfig = { services: [] };

/**
 * Validates a parsed services document (`services: { <id>: { commitment, slo?, name?, owner? } }`).
 * Every error names the file, the service and the field:
 * `services.yaml: service checkout, commitment: must be below 100 ...`.
 */
export function parseServicesConfig(doc: unknown, sourceName: string): ServicesConfig {
  if (doc === null || typeof doc !== 'object' || !('services' in doc)) {
    throw new ConfigError([
      `${sourceName}: expected a top-level "services:" map from service id to its commitment`,
    ]);
  }
  const problems: string[] = [];
  const parsed = ServicesFile.safeParse(doc);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${sourceName}: ${describe(issue)}`);
  }
  const entries = (doc as { services: unknown }).services;
  if (entries !== null && typeof entries === 'object' && !Array.isArray(entries)) {
    for (const id of Object.keys(entries)) {
      const valid = ServiceId.safeParse(id);
      if (!valid.success)
        problems.push(`${sourceName}: service ${JSON.stringify(id)}: ${valid.error.issues[0]?.message}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return {
    services: Object.entries(parsed.data.services).map(([id, entry]) => ({
      id,
      name: entry.name ?? id,
      owner: entry.owner ?? null,
      commitment: entry.commitment,
      slo: entry.slo ?? null,
      minimumCoverage: entry.minimumCoverage ?? parsed.data.minimumCoverage ?? DEFAULT_MINIMUM_COVERAGE,
    })),
  };
}

/** `service checkout, slo: ...` rather than `services.checkout.slo: ...`: the entry reads as a service. */
function describe(issue: z.core.$ZodIssue): string {
  const [root, id, ...field] = issue.path.map(String);
  const unknown = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : undefined;
  if (root !== 'services' || id === undefined) {
    const where = [...issue.path.map(String), ...(unknown ? [unknown] : [])].join('.') || '(root)';
    return `${where}: ${issue.message}`;
  }
  const fieldPath = [...field, ...(unknown ? [unknown] : [])].join('.');
  return `service ${id}${fieldPath ? `, ${fieldPath}` : ''}: ${issue.message}`;
}
