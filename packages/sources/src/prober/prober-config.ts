import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '@vigil/runtime';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** What every check has, whatever it probes. Durations are milliseconds. */
interface CheckBase {
  name: string;
  /** The service the result is about: the event's entity `{type: 'service', id}`. */
  service: string;
  /** Regions that run this check; absent means every prober runs it. */
  regions?: string[];
  intervalMs: number;
  timeoutMs: number;
  /** A result slower than this is a failure. */
  latencyBudgetMs?: number;
}

export interface HttpCheck extends CheckBase {
  type: 'http';
  url: string;
  method: 'GET' | 'HEAD';
  /** Accepted status codes; absent means any 2xx or 3xx. */
  expectStatus?: number[];
  /** The body must contain this text. */
  bodyContains?: string;
  /** The body must match this regular expression (source text, compiled per run). */
  bodyMatches?: string;
  /** HTTPS: the certificate must be valid for at least this many more days. */
  tlsMinDaysLeft?: number;
  /** HTTPS: extra trusted CA certificates (PEM), for services behind a private CA. */
  tlsCa?: string;
}

export interface TcpCheck extends CheckBase {
  type: 'tcp';
  host: string;
  port: number;
}

export type ProbeCheck = HttpCheck | TcpCheck;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** `500ms`, `30s`, `5m`, `1h`, or a number of seconds. */
const Duration = z
  .union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'expected a duration like 500ms, 30s, 5m or 1h')])
  .transform((value) => {
    if (typeof value === 'number') return Math.round(value * 1000);
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value) as RegExpExecArray;
    return Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
  });

const CheckName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'use letters, digits, ".", "_" and "-" (at most 100), starting with a letter or digit');
const Region = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lower-case letters, digits and "-", e.g. eu-west-1');
const StatusCode = z.number().int().min(100).max(599);

const Common = {
  name: CheckName,
  service: z.string().min(1).max(512),
  /** One region, or `regions` for several. */
  region: Region.optional(),
  regions: z.array(Region).min(1).optional(),
  interval: Duration.default(60_000),
  timeout: Duration.default(10_000),
};

const HttpEntry = z
  .object({
    ...Common,
    type: z.literal('http'),
    url: z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' }),
    method: z.enum(['GET', 'HEAD']).default('GET'),
    tlsCaFile: z.string().min(1).optional(),
    expect: z
      .object({
        status: z.union([StatusCode, z.array(StatusCode).min(1)]).optional(),
        body: z.string().min(1).optional(),
        bodyMatches: z.string().min(1).optional(),
        latencyMs: z.number().int().positive().optional(),
        tlsMinDaysLeft: z.number().int().nonnegative().optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

const TcpEntry = z
  .object({
    ...Common,
    type: z.literal('tcp'),
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65535),
    expect: z.object({ latencyMs: z.number().int().positive().optional() }).strict().default({}),
  })
  .strict();

const CheckEntry = z.discriminatedUnion('type', [HttpEntry, TcpEntry], {
  error: () => 'expected type: http or type: tcp',
});
type CheckEntry = z.infer<typeof CheckEntry>;

export const ProberFile = z
  .object({ checks: z.array(CheckEntry).min(1, 'list at least one check') })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.checks.forEach((check, index) => {
      if (seen.has(check.name)) {
        ctx.addIssue({ code: 'custom', path: ['checks', index, 'name'], message: `"${check.name}" is used by another check` });
      }
      seen.add(check.name);
      if (check.timeout >= check.interval) {
        ctx.addIssue({ code: 'custom', path: ['checks', index, 'timeout'], message: 'must be shorter than interval, so runs of one check never overlap' });
      }
      if (check.interval < 1_000) {
        ctx.addIssue({ code: 'custom', path: ['checks', index, 'interval'], message: 'must be at least 1s' });
      }
      if (check.region && check.regions) {
        ctx.addIssue({ code: 'custom', path: ['checks', index, 'regions'], message: 'give region or regions, not both' });
      }
      if (check.type !== 'http') return;
      if (check.expect.bodyMatches !== undefined) {
        try {
          new RegExp(check.expect.bodyMatches);
        } catch (error) {
          ctx.addIssue({ code: 'custom', path: ['checks', index, 'expect', 'bodyMatches'], message: `not a valid regular expression: ${(error as Error).message}` });
        }
      }
      const https = check.url.startsWith('https:');
      if (!https && check.expect.tlsMinDaysLeft !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['checks', index, 'expect', 'tlsMinDaysLeft'], message: 'needs an https:// url' });
      }
      if (!https && check.tlsCaFile !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['checks', index, 'tlsCaFile'], message: 'needs an https:// url' });
      }
    });
  });

/** `checks[2] (checkout-api).expect.status` — the index and the check's name, when it has one. */
function where(path: PropertyKey[], doc: unknown): string {
  if (path[0] !== 'checks' || typeof path[1] !== 'number') return path.map(String).join('.') || '(root)';
  const index = path[1];
  const raw = (doc as { checks?: unknown[] } | null)?.checks?.[index] as { name?: unknown } | undefined;
  const label = typeof raw?.name === 'string' ? ` (${raw.name})` : '';
  const rest = path.slice(2).map(String).join('.');
  return `checks[${index}]${label}${rest ? `.${rest}` : ''}`;
}

/** zod says "Invalid input: expected string, received undefined" for a missing field. */
function readable(message: string): string {
  return /^Invalid input: expected \w+, received undefined$/.test(message) ? 'required' : message;
}

function toCheck(entry: CheckEntry, readCa: (path: string) => string): ProbeCheck {
  const regions = entry.regions ?? (entry.region ? [entry.region] : undefined);
  const base = {
    name: entry.name,
    service: entry.service,
    ...(regions ? { regions } : {}),
    intervalMs: entry.interval,
    timeoutMs: entry.timeout,
    ...(entry.expect.latencyMs !== undefined ? { latencyBudgetMs: entry.expect.latencyMs } : {}),
  };
  if (entry.type === 'tcp') return { ...base, type: 'tcp', host: entry.host, port: entry.port };
  const status = entry.expect.status;
  return {
    ...base,
    type: 'http',
    url: entry.url,
    method: entry.method,
    ...(status !== undefined ? { expectStatus: Array.isArray(status) ? status : [status] } : {}),
    ...(entry.expect.body !== undefined ? { bodyContains: entry.expect.body } : {}),
    ...(entry.expect.bodyMatches !== undefined ? { bodyMatches: entry.expect.bodyMatches } : {}),
    ...(entry.expect.tlsMinDaysLeft !== undefined ? { tlsMinDaysLeft: entry.expect.tlsMinDaysLeft } : {}),
    ...(entry.tlsCaFile !== undefined ? { tlsCa: readCa(entry.tlsCaFile) } : {}),
  };
}

/**
 * Parses a prober YAML text. Errors name the file, the check (index and name) and the field.
 * `tlsCaFile` paths are relative to `baseDir`.
 */
export function parseProberConfig(text: string, fileName: string, baseDir = '.'): ProbeCheck[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new ConfigError([`${fileName}: not valid YAML: ${(error as Error).message}`]);
  }
  const parsed = ProberFile.safeParse(doc);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${fileName}: ${where(issue.path, doc)}: ${readable(issue.message)}`));
  }
  const problems: string[] = [];
  const checks = parsed.data.checks.map((entry, index) =>
    toCheck(entry, (path) => {
      try {
        return readFileSync(resolve(baseDir, path), 'utf8');
      } catch (error) {
        problems.push(`${fileName}: ${where(['checks', index, 'tlsCaFile'], doc)}: cannot read ${path}: ${(error as Error).message}`);
        return '';
      }
    }),
  );
  if (problems.length > 0) throw new ConfigError(problems);
  return checks;
}

export function loadProberConfig(path: string): ProbeCheck[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`${path}: cannot read the prober file: ${(error as Error).message}`]);
  }
  return parseProberConfig(text, path, dirname(path));
}
