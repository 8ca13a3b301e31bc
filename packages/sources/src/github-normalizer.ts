import { createHash } from 'node:crypto';
import {
  CHANGE,
  fieldErrors,
  OCSF_CLASS_BY_KIND,
  type Change,
  type Entity,
  type EventKind,
  type FieldError,
  type VigilEvent,
} from '@vigil/schema';
import { isIP } from 'node:net';
import { z } from 'zod';
import { checkBatchSize } from './generic-normalizer';
import { heartbeatEntity } from './heartbeat';
import type { DeliveryMeta, Normalizer, NormalizeContext, NormalizeResult } from './normalizer';

/** GitHub names the event and the delivery only in headers. */
export const GITHUB_EVENT_HEADER = 'x-github-event';
export const GITHUB_DELIVERY_HEADER = 'x-github-delivery';

const text = z.string().nullish();
const Account = z.object({ login: z.string().min(1), type: text });

/** The parts of an organisation webhook payload Vigil reads; the rest stays in `raw`. */
export const GithubWebhookPayload = z.object({
  action: text,
  sender: Account.nullish(),
  organization: z.object({ login: z.string().min(1) }).nullish(),
  repository: z.object({ full_name: z.string() }).nullish(),
  membership: z.object({ role: text, state: text, user: Account.nullish() }).nullish(),
  member: Account.nullish(),
  team: z.object({ name: text, slug: text }).nullish(),
  blocked_user: Account.nullish(),
  invitation: z.object({ login: text, role: text }).nullish(),
});
type GithubWebhookPayload = z.infer<typeof GithubWebhookPayload>;

const EpochOrIso = z.union([z.number(), z.string().min(1)]);

/** An audit-log event as the REST API (`GET /orgs/{org}/audit-log`) and audit-log streaming write it. */
export const GithubAuditEvent = z.object({
  action: z.string().min(1).max(200),
  /** GitHub's id of the event; some exports leave it out, and the id is then derived from the content. */
  _document_id: z.string().min(1).max(200).optional(),
  /** Milliseconds since the epoch. */
  '@timestamp': EpochOrIso.optional(),
  created_at: EpochOrIso.optional(),
  actor: text,
  actor_ip: text,
  user: text,
  org: text,
  team: text,
  repo: text,
  business: text,
  permission: z.unknown().optional(),
  old_permission: z.unknown().optional(),
});
type GithubAuditEvent = z.infer<typeof GithubAuditEvent>;

/** Teams named for administrators or owners ("admins", "org-owners", "aws-administrators"). */
const ADMIN_TEAM = /(^|[-_. /])(admins?|administrators?|owners?)($|[-_. /])/i;

interface Mapping {
  kind: EventKind;
  change?: Change;
  /** The GitHub login the event is about, when it is about a person other than the one who acted. */
  subject?: string | null;
  /** The event is about the organisation (or enterprise) as a whole. */
  orgWide?: boolean;
}

const ENVELOPES =
  'expected a GitHub webhook delivery (a JSON object with an X-GitHub-Event header) or audit-log events (an array of {"action", "_document_id", "@timestamp", ...})';

export const githubNormalizer: Normalizer = {
  headers: [GITHUB_EVENT_HEADER, GITHUB_DELIVERY_HEADER],

  split(body, meta?: DeliveryMeta) {
    const isObject = body !== null && typeof body === 'object' && !Array.isArray(body);
    if (meta?.headers[GITHUB_EVENT_HEADER] !== undefined) {
      return isObject
        ? { ok: true, items: [body] }
        : { ok: false, reason: 'a GitHub webhook delivery is one JSON object', errors: [{ path: '(root)', message: `got ${Array.isArray(body) ? 'an array' : typeof body}` }] };
    }
    if (Array.isArray(body)) return checkBatchSize(body);
    if (isObject && 'action' in body) return { ok: true, items: [body] };
    return { ok: false, reason: ENVELOPES, errors: [{ path: '(root)', message: isObject ? 'no X-GitHub-Event header and no "action" field' : `got ${body === null ? 'null' : typeof body}` }] };
  },

  normalize(item, context): NormalizeResult {
    const event = context.headers?.[GITHUB_EVENT_HEADER];
    return event === undefined ? normalizeAuditEvent(item, context) : normalizeWebhook(item, event, context);
  },
};

function normalizeWebhook(item: unknown, githubEvent: string, { source, receivedAt, headers }: NormalizeContext): NormalizeResult {
  const delivery = headers?.[GITHUB_DELIVERY_HEADER];
  if (!delivery) {
    return fail('a GitHub webhook delivery needs its delivery id', [{ path: `(header) ${GITHUB_DELIVERY_HEADER}`, message: 'missing; GitHub sends it with every delivery' }]);
  }
  const parsed = GithubWebhookPayload.safeParse(item);
  if (!parsed.success) return fail('does not match the GitHub webhook payload format', fieldErrors(parsed.error));
  const payload = parsed.data;
  const mapping = mapWebhook(githubEvent, payload);
  const org = payload.organization?.login;
  const actor = payload.sender?.login;
  const entity: Entity =
    mapping.kind === 'heartbeat' ? heartbeatEntity(source) : entityOf(mapping, actor, org);
  const attributes: VigilEvent['attributes'] = {
    'github.event': githubEvent,
    'github.delivery': delivery,
    'github.org': org ?? null,
    'github.repo': payload.repository?.full_name ?? null,
    'github.team': payload.team?.slug ?? payload.team?.name ?? null,
    'github.role': payload.membership?.role ?? payload.invitation?.role ?? null,
    'github.actor_type': payload.sender?.type ?? null,
  };
  if (mapping.change) attributes[CHANGE] = mapping.change;
  return ok({
    // GitHub redelivers with the same delivery id; the ingest server also keeps a replayed body's id (see DeliveryIdGuard).
    id: `${source}:${delivery}`,
    source,
    kind: mapping.kind,
    action: payload.action ? `${githubEvent}.${payload.action}` : githubEvent,
    ocsfClassUid: OCSF_CLASS_BY_KIND[mapping.kind],
    // Organisation, membership and team payloads carry no event time: the delivery is the best clock there is.
    time: receivedAt,
    receivedAt,
    entity,
    outcome: 'success',
    actor: actor ? { user: actor } : {},
    attributes,
    raw: item,
  });
}

function mapWebhook(githubEvent: string, p: GithubWebhookPayload): Mapping {
  const adminTeam = isAdminTeam(p.team?.slug) || isAdminTeam(p.team?.name);
  switch (`${githubEvent}.${p.action ?? ''}`) {
    case 'ping.':
      return { kind: 'heartbeat' };
    case 'organization.member_added':
      return { kind: 'account_change', subject: p.membership?.user?.login, ...(p.membership?.role === 'admin' ? { change: 'admin-granted' } : {}) };
    case 'organization.member_removed':
      return { kind: 'account_change', subject: p.membership?.user?.login, change: 'user-suspended' };
    case 'organization.member_invited':
      return { kind: 'account_change', subject: p.invitation?.login };
    case 'membership.added':
      return { kind: 'account_change', subject: p.member?.login, ...(adminTeam ? { change: 'admin-granted' } : {}) };
    case 'membership.removed':
      return { kind: 'account_change', subject: p.member?.login, ...(adminTeam ? { change: 'admin-revoked' } : {}) };
    case 'org_block.blocked':
      return { kind: 'account_change', subject: p.blocked_user?.login, change: 'user-suspended' };
    case 'org_block.unblocked':
      return { kind: 'account_change', subject: p.blocked_user?.login, change: 'user-reactivated' };
    case 'member.added':
    case 'member.removed':
    case 'member.edited':
      return { kind: 'account_change', subject: p.member?.login };
    default:
      return { kind: 'api_activity' };
  }
}

function normalizeAuditEvent(item: unknown, { source, receivedAt }: NormalizeContext): NormalizeResult {
  const parsed = GithubAuditEvent.safeParse(item);
  if (!parsed.success) return fail('does not match the GitHub audit-log event format', fieldErrors(parsed.error));
  const e = parsed.data;
  const time = eventTime(e);
  if (!time.ok) return fail('does not match the GitHub audit-log event format', [time.error]);
  const mapping = mapAuditAction(e);
  const actor = e.actor ?? undefined;
  const ip = e.actor_ip && isIP(e.actor_ip) !== 0 ? e.actor_ip : undefined;
  const attributes: VigilEvent['attributes'] = {
    'github.org': e.org ?? null,
    'github.business': e.business ?? null,
    'github.repo': e.repo ?? null,
    'github.team': e.team ?? null,
    'github.user': e.user ?? null,
    'github.permission': typeof e.permission === 'string' ? e.permission : null,
  };
  if (mapping.change) attributes[CHANGE] = mapping.change;
  return ok({
    id: `${source}:${e._document_id ?? contentId(item)}`,
    source,
    kind: mapping.kind,
    action: e.action,
    ocsfClassUid: OCSF_CLASS_BY_KIND[mapping.kind],
    time: time.iso,
    receivedAt,
    entity: entityOf(mapping, actor, e.org ?? e.business ?? undefined),
    outcome: 'success',
    actor: { ...(actor ? { user: actor } : {}), ...(ip ? { ip } : {}) },
    attributes,
    raw: item,
  });
}

function mapAuditAction(e: GithubAuditEvent): Mapping {
  const toAdmin = typeof e.permission === 'string' ? e.permission.toLowerCase() === 'admin' : undefined;
  const teamSlug = e.team?.split('/').pop();
  switch (e.action) {
    case 'org.add_member':
      return { kind: 'account_change', subject: e.user, ...(toAdmin ? { change: 'admin-granted' } : {}) };
    case 'org.update_member':
      // Organisation roles are member or owner: a role change to anything but admin takes admin away.
      return { kind: 'account_change', subject: e.user, ...(toAdmin === undefined ? {} : { change: toAdmin ? 'admin-granted' : 'admin-revoked' }) };
    case 'org.remove_member':
    case 'org.block_user':
      return { kind: 'account_change', subject: e.user, change: 'user-suspended' };
    case 'org.unblock_user':
      return { kind: 'account_change', subject: e.user, change: 'user-reactivated' };
    case 'org.invite_member':
      return { kind: 'account_change', subject: e.user };
    case 'team.add_member':
      return { kind: 'account_change', subject: e.user, ...(isAdminTeam(teamSlug) ? { change: 'admin-granted' } : {}) };
    case 'team.remove_member':
      return { kind: 'account_change', subject: e.user, ...(isAdminTeam(teamSlug) ? { change: 'admin-revoked' } : {}) };
    case 'business.add_admin':
      return { kind: 'account_change', subject: e.user, change: 'admin-granted' };
    case 'business.remove_admin':
      return { kind: 'account_change', subject: e.user, change: 'admin-revoked' };
    case 'two_factor_authentication.disabled':
      return { kind: 'account_change', subject: e.user ?? e.actor, change: 'mfa-removed' };
    case 'org.disable_two_factor_requirement':
    case 'business.disable_two_factor_requirement':
    case 'org.disable_saml': // SAML single sign-on switched off: no more identity-provider MFA
    case 'business.disable_saml':
      return { kind: 'api_activity', orgWide: true, change: 'mfa-policy-weakened' };
    default:
      return { kind: 'api_activity' };
  }
}

function isAdminTeam(name: string | null | undefined): boolean {
  return typeof name === 'string' && ADMIN_TEAM.test(name);
}

/** The person an account change is about, the organisation for org-wide settings, else whoever acted. */
function entityOf(mapping: Mapping, actor: string | undefined, org: string | undefined): Entity {
  if (mapping.subject) return { type: 'user', id: mapping.subject };
  if (mapping.orgWide && org) return { type: 'account', id: org };
  if (actor) return { type: 'user', id: actor };
  return { type: 'account', id: org ?? 'unknown' };
}

/** `@timestamp` is milliseconds since the epoch; some exports write it as a numeric string or ISO text. */
function eventTime(e: GithubAuditEvent): { ok: true; iso: string } | { ok: false; error: FieldError } {
  const raw = e['@timestamp'] ?? e.created_at;
  const path = e['@timestamp'] === undefined ? 'created_at' : '@timestamp';
  if (raw === undefined) return { ok: false, error: { path: '@timestamp', message: 'required (milliseconds since the epoch), or created_at' } };
  const ms = typeof raw === 'number' ? raw : /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Date.parse(raw);
  const date = new Date(ms);
  if (!Number.isFinite(ms) || Number.isNaN(date.getTime())) {
    return { ok: false, error: { path, message: `expected milliseconds since the epoch or an ISO-8601 time, got ${JSON.stringify(raw)}` } };
  }
  return { ok: true, iso: date.toISOString() };
}

function ok(event: VigilEvent): NormalizeResult {
  return { ok: true, event };
}

function fail(reason: string, errors: FieldError[]): NormalizeResult {
  return { ok: false, reason, errors };
}

/**
 * A stable id for an audit event without `_document_id`: the sha256 of its content with keys in a
 * fixed order, so the same event, delivered again or exported again, gets the same id.
 */
function contentId(item: unknown): string {
  return `sha256:${createHash('sha256').update(stableJson(item)).digest('hex').slice(0, 40)}`;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as Record<string, unknown>)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
