import { readFileSync } from 'node:fs';
import type { IncidentView } from '@vigil/incidents';
import { ConfigError } from '@vigil/runtime';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** A channel as Slack accepts it for posting: `#name` or a channel id (`C…`, `G…`). */
const SlackChannel = z
  .string()
  .regex(
    /^(#[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{6,})$/,
    'expected a Slack channel such as #sec-alerts or C0123ABCD',
  );

const SlackUserId = z.string().regex(/^[UW][A-Z0-9]{6,}$/, 'expected a Slack user id such as U0123ABCD');

/** Exact value, or a prefix ending in `*` (`identity.*`). */
const Pattern = z
  .string()
  .min(1)
  .regex(/^[^*]*\*?$/, 'only a trailing * is allowed');

const OwnerMatch = z
  .strictObject({
    rule: Pattern.optional(),
    service: Pattern.optional(),
    source: Pattern.optional(),
    ownerKey: Pattern.optional(),
  })
  .refine(
    (m) => Object.values(m).some((v) => v !== undefined),
    'give at least one of rule, service, source, ownerKey',
  );

/** One step of an escalation chain: who is mentioned once an incident is this many minutes overdue. */
const EscalationStep = z.strictObject({
  /** Minutes after the acknowledgement (or resolution) due time; 0 is the due time itself. */
  afterMinutes: z
    .number({ error: 'expected a whole number of minutes' })
    .int('expected a whole number of minutes')
    .min(0, 'must not be negative')
    .max(30 * 24 * 60, 'must be at most 43200 (30 days)'),
  /** Slack user ids mentioned in the incident's thread. */
  users: z.array(SlackUserId).min(1, 'name at least one Slack user id'),
});

const EscalationChain = z
  .array(EscalationStep)
  .max(10, 'at most 10 escalation steps')
  .refine(
    (steps) => steps.every((step, i) => i === 0 || step.afterMinutes > (steps[i - 1]?.afterMinutes ?? -1)),
    'afterMinutes must increase from one step to the next',
  );

/** The name of an environment variable holding a secret: secrets never sit in the owners file. */
const EnvName = z.string().regex(/^[A-Z_][A-Z0-9_]{0,127}$/, 'expected an environment variable name such as VIGIL_WEBHOOK_GRC_SECRET');
const WebhookName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'expected a webhook name such as grc or siem-eu');

/** A receiver of signed webhooks (Standard Webhooks): the OCSF Incident Finding of every incident change routed to it. */
const WebhookDestination = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
  /** Environment variable holding the signing secret, `whsec_` followed by base64 (24 to 64 random bytes). */
  secretEnv: EnvName,
});

/** A PagerDuty service, reached through its Events API v2 integration. */
const PagerDutyDestination = z.strictObject({
  /** Environment variable holding the integration's routing key (32 characters). */
  routingKeyEnv: EnvName,
});

const OwnerEntry = z.strictObject({
  match: OwnerMatch,
  team: z.string().min(1),
  channel: SlackChannel,
  /** Slack user ids mentioned on new incidents. */
  oncall: z.array(SlackUserId).default([]),
  /**
   * Who is mentioned, step by step, while an incident stays unacknowledged past its acknowledgement due
   * time (or unresolved past its resolution due time). Empty: the on-call people are mentioned again.
   */
  escalation: EscalationChain.default([]),
  /** Names (under `webhooks`) of the webhook receivers that get this owner's incident changes. */
  webhooks: z.array(WebhookName).default([]),
  /** The PagerDuty service paged (trigger, acknowledge, resolve) for this owner's incidents. */
  pagerduty: PagerDutyDestination.optional(),
});

export const OwnersConfig = z
  .strictObject({
    /** Where anything without an owner goes, and where dead notifications are reported. */
    fallbackChannel: SlackChannel,
    /** Webhook receivers by name; owner entries (and `fallbackWebhooks`) name the ones they send to. */
    webhooks: z.record(WebhookName, WebhookDestination).default({}),
    /** Webhook receivers of incidents no entry matched. */
    fallbackWebhooks: z.array(WebhookName).default([]),
    /** The PagerDuty service of incidents no entry matched. */
    fallbackPagerduty: PagerDutyDestination.optional(),
    owners: z.array(OwnerEntry).default([]),
  })
  .superRefine((config, ctx) => {
    const named = (name: string, path: Array<string | number>) => {
      if (!(name in config.webhooks)) ctx.addIssue({ code: 'custom', path, message: `no webhook named ${name} under webhooks` });
    };
    config.fallbackWebhooks.forEach((name, i) => named(name, ['fallbackWebhooks', i]));
    config.owners.forEach((entry, i) => entry.webhooks.forEach((name, j) => named(name, ['owners', i, 'webhooks', j])));
  });
export type OwnersConfig = z.infer<typeof OwnersConfig>;
export type OwnerEntry = z.infer<typeof OwnerEntry>;
export type EscalationStep = z.infer<typeof EscalationStep>;

export interface ResolvedOwner {
  team: string;
  channel: string;
  oncall: string[];
  /** In order of `afterMinutes`; empty when the owner has none (or nothing matched). */
  escalation: EscalationStep[];
}

/** Where an incident's changes go besides Slack: webhook receivers by name, and a PagerDuty service. */
export interface OutboundRoute {
  team: string;
  webhooks: string[];
  pagerduty: { routingKeyEnv: string } | undefined;
}

/** The team name shown when no entry matched. */
export const UNOWNED_TEAM = 'unowned';

/** Parses an owners YAML text. Errors name the file, the entry index and the field. */
export function parseOwners(text: string, sourceName: string): OwnersConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new ConfigError([`${sourceName}: not valid YAML: ${(error as Error).message}`]);
  }
  const parsed = OwnersConfig.safeParse(doc);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${sourceName}: ${issuePath(issue)}: ${issue.message}`),
    );
  }
  return parsed.data;
}

export function loadOwners(path: string): OwnersConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`${path}: cannot read the owners file: ${(error as Error).message}`]);
  }
  return parseOwners(text, path);
}

/**
 * The first entry, in file order, whose every given field matches. `rule` is the rule id, `ownerKey`
 * the rule's owner key; `service` and `source` match the owner key or an entity of that type, since
 * rules name either as the owner. Nothing matched: the fallback channel, never nowhere.
 */
export function resolveOwner(config: OwnersConfig, incident: IncidentView): ResolvedOwner {
  const entry = config.owners.find((candidate) => matches(candidate.match, incident));
  if (!entry) return { team: UNOWNED_TEAM, channel: config.fallbackChannel, oncall: [], escalation: [] };
  return { team: entry.team, channel: entry.channel, oncall: entry.oncall, escalation: entry.escalation };
}

/** The webhooks and PagerDuty service of the incident's owner; the fallback ones when nothing matched. */
export function resolveOutbound(config: OwnersConfig, incident: IncidentView): OutboundRoute {
  const entry = config.owners.find((candidate) => matches(candidate.match, incident));
  if (!entry) return { team: UNOWNED_TEAM, webhooks: config.fallbackWebhooks, pagerduty: config.fallbackPagerduty };
  return { team: entry.team, webhooks: entry.webhooks, pagerduty: entry.pagerduty };
}

function matches(match: OwnerEntry['match'], incident: IncidentView): boolean {
  const entityOf = (type: string) => (incident.entity.type === type ? [incident.entity.id] : []);
  const checks: Array<[string | undefined, string[]]> = [
    [match.rule, [incident.ruleId]],
    [match.ownerKey, [incident.ownerKey]],
    [match.service, [incident.ownerKey, ...entityOf('service')]],
    [match.source, [incident.ownerKey, ...entityOf('source')]],
  ];
  return checks.every(
    ([pattern, values]) => pattern === undefined || values.some((value) => patternMatches(pattern, value)),
  );
}

function patternMatches(pattern: string, value: string): boolean {
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern;
}

/** `owners[2].match.rule` rather than `owners.2.match.rule`: the entry reads as an index. */
function issuePath(issue: z.core.$ZodIssue): string {
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys.join(', ')] : issue.path;
  if (path.length === 0) return '(root)';
  return path.reduce<string>(
    (out, part) =>
      typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part),
    '',
  );
}
