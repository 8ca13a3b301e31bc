import { readFileSync } from 'node:fs';
import { SOURCE_NAME } from '@vigil/schema';
import { ConfigError } from '@vigil/runtime';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** The formats ingest understands; each has a normaliser. */
export const SOURCE_FORMATS = [
  'generic',
  'okta-event-hook',
  'alertmanager',
  'backup',
  'cloudtrail',
  'github',
  'google-workspace',
  'cloudflare',
  'cloudflare-notifications',
] as const;
export const SourceFormat = z.enum(SOURCE_FORMATS);
export type SourceFormat = z.infer<typeof SourceFormat>;

const SecretRef = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, 'must name an environment variable, e.g. OKTA_HOOK_SECRET');

/**
 * How a sender proves who it is. Secrets are named by environment variable, never written in the file.
 * - `header`: a static value in a header (Okta event hooks put it in `Authorization`).
 * - `bearer`: `Authorization: Bearer <secret>`.
 * - `hmac-sha256`: signature over `<timestamp>.<raw body>` in `signatureHeader` (hex, optional prefix),
 *   timestamp (Unix seconds) in `timestampHeader`, refused outside `toleranceSeconds` (replays).
 * - `github-signature`: GitHub's `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`. It has
 *   no timestamp; replays are handled by keeping the delivery id of a body already seen (DeliveryIdGuard).
 * - `standard-webhooks`: the Standard Webhooks spec (standardwebhooks.com; Svix and others send it):
 *   `webhook-id`, `webhook-timestamp` (Unix seconds, within `toleranceSeconds`) and `webhook-signature`,
 *   space-separated `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>">`, keyed by the base64 secret
 *   after its `whsec_` prefix. Any one matching signature is enough (senders rotate keys that way).
 */
export const SourceAuth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('header'), header: z.string().min(1).toLowerCase(), secretEnv: SecretRef }),
  z.object({ type: z.literal('bearer'), secretEnv: SecretRef }),
  z.object({
    type: z.literal('hmac-sha256'),
    signatureHeader: z.string().min(1).toLowerCase().default('x-vigil-signature'),
    signaturePrefix: z.string().default('v1='),
    timestampHeader: z.string().min(1).toLowerCase().default('x-vigil-timestamp'),
    toleranceSeconds: z.number().int().positive().max(3600).default(300),
    secretEnv: SecretRef,
  }),
  z.object({ type: z.literal('github-signature'), secretEnv: SecretRef }),
  z.object({
    type: z.literal('standard-webhooks'),
    toleranceSeconds: z.number().int().positive().max(3600).default(300),
    secretEnv: SecretRef,
  }),
]);
export type SourceAuthConfig = z.infer<typeof SourceAuth>;

export const SourceEntry = z.object({
  format: SourceFormat,
  auth: SourceAuth,
  /** Sustained events per second accepted from this source before 429; bursts up to `burst`. */
  rateLimit: z
    .object({ eventsPerSecond: z.number().positive(), burst: z.number().int().positive() })
    .default({ eventsPerSecond: 50_000, burst: 200_000 }),
  /** How often the source is expected to send something (for the source-silent rule). */
  expectedIntervalSeconds: z.number().int().positive().optional(),
  /**
   * Format `alertmanager`: the labels naming the service an alert is about, in order of preference (its
   * alerts form that service's group). Default: service, job, instance.
   */
  serviceLabels: z
    .array(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a Prometheus label name'))
    .min(1)
    .max(10)
    .optional(),
});

export const SourcesFile = z.object({
  sources: z.record(
    z.string().regex(SOURCE_NAME, 'source names are lower-case letters, digits, - and _'),
    SourceEntry,
  ),
});

export interface SourceDefinition {
  name: string;
  format: SourceFormat;
  auth: SourceAuthConfig;
  /** The secret itself, read from the environment at start-up. */
  secret: string;
  rateLimit: { eventsPerSecond: number; burst: number };
  expectedIntervalSeconds?: number;
  /** Format `alertmanager`: the labels naming an alert's service, in order of preference. */
  serviceLabels?: string[];
}

/** Parses a sources YAML text. Errors name the file, the source and the field; secrets are never shown. */
export function parseSourcesConfig(
  text: string,
  fileName: string,
  env: NodeJS.ProcessEnv,
): SourceDefinition[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new ConfigError([`${fileName}: not valid YAML: ${(error as Error).message}`]);
  }
  const parsed = SourcesFile.safeParse(doc);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map(
        (i) => `${fileName}: ${i.path.map(String).join('.') || '(root)'}: ${i.message}`,
      ),
    );
  }
  const problems: string[] = [];
  const definitions: SourceDefinition[] = [];
  for (const [name, entry] of Object.entries(parsed.data.sources)) {
    const secret = env[entry.auth.secretEnv];
    if (!secret) {
      problems.push(
        `${fileName}: sources.${name}.auth.secretEnv: environment variable ${entry.auth.secretEnv} is not set`,
      );
      continue;
    }
    if (secret.length < 16) {
      problems.push(
        `${fileName}: sources.${name}.auth.secretEnv: ${entry.auth.secretEnv} must be at least 16 characters`,
      );
      continue;
    }
    definitions.push({ name, ...entry, secret });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return definitions;
}

export function loadSourcesConfig(path: string, env: NodeJS.ProcessEnv): SourceDefinition[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`${path}: cannot read the sources file: ${(error as Error).message}`]);
  }
  return parseSourcesConfig(text, path, env);
}
