import {
  CHANGE,
  fieldErrors,
  INTERFACE,
  MFA_USED,
  OCSF_CLASS_BY_KIND,
  type Change,
  type Entity,
  type EventKind,
  type Outcome,
  type VigilEvent,
  TENANT,
} from '@vigil/schema';
import { isIP } from 'node:net';
import { z } from 'zod';
import { MAX_BATCH_ITEMS } from './generic-normalizer';
import type { Normalizer, NormalizeResult } from './normalizer';

const text = z.string().nullish();

const GoogleParameter = z.object({
  name: z.string().min(1),
  value: text,
  boolValue: z.boolean().nullish(),
  intValue: z.union([z.string(), z.number()]).nullish(),
  multiValue: z.array(z.string()).nullish(),
});

const GoogleEvent = z.object({
  type: text,
  name: z.string().min(1).max(200),
  parameters: z.array(GoogleParameter).nullish(),
});
type GoogleEvent = z.infer<typeof GoogleEvent>;

/** A Reports API activity resource (`admin#reports#activity`): what Vigil reads; the rest stays in `raw`. */
export const GoogleActivity = z.object({
  id: z.object({
    time: z.iso.datetime({ offset: true }),
    /** Unique among activities with the same time (Reports API reference), so ids combine both. */
    uniqueQualifier: z.union([z.string().min(1), z.number()]),
    applicationName: z.string().min(1).max(100),
    customerId: text,
  }),
  actor: z.object({ email: text, profileId: text, callerType: text, key: text }).nullish(),
  ipAddress: text,
  events: z.array(GoogleEvent).min(1),
});
type GoogleActivity = z.infer<typeof GoogleActivity>;

/**
 * Which event of its activity an item is, when the activity has several. A symbol so it never reaches
 * JSON: a dead-lettered item is the activity as Google sent it, narrowed to that one event.
 */
const EVENT_INDEX = Symbol('google-workspace.event-index');
type Item = Record<string, unknown> & { [EVENT_INDEX]?: number };

const ENVELOPES = 'expected a Reports API activities page {"kind": "admin#reports#activities", "items": [...]}, one activity {"id", "actor", "events"}, or an array of activities';

/** Challenge methods that are a second factor; methods not listed here leave MFA unknown, never "no". */
const SECOND_FACTORS = new Set([
  'backup_code',
  'device_prompt',
  'google_authenticator',
  'google_prompt',
  'idv_any_phone',
  'idv_preregistered_phone',
  'idv_totp',
  'internal_two_factor',
  'offline_otp',
  'passkey',
  'security_key',
  'security_key_otp',
  'sms',
  'totp',
]);
/** Methods that prove only the password. */
const FIRST_FACTOR_ONLY = new Set(['password', 'none', 'none_enrolled']);

export const googleWorkspaceNormalizer: Normalizer = {
  split(body) {
    const pageOrActivity = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
    let activities: unknown[];
    if (Array.isArray(body)) activities = body;
    else if (pageOrActivity && 'items' in pageOrActivity) {
      if (!Array.isArray(pageOrActivity.items)) {
        return { ok: false, reason: ENVELOPES, errors: [{ path: 'items', message: 'expected an array of activities' }] };
      }
      activities = pageOrActivity.items;
    } else if (pageOrActivity?.kind === 'admin#reports#activities') {
      // The Reports API leaves `items` out of a page with no activities.
      activities = [];
    } else if (pageOrActivity && 'events' in pageOrActivity) activities = [pageOrActivity];
    else return { ok: false, reason: ENVELOPES, errors: [{ path: '(root)', message: `got ${body === null ? 'null' : typeof body}${pageOrActivity ? ' without items or events' : ''}` }] };

    const items = activities.flatMap(expand);
    if (items.length > MAX_BATCH_ITEMS) {
      return { ok: false, reason: `a delivery holds at most ${MAX_BATCH_ITEMS} events, got ${items.length}`, errors: [] };
    }
    return { ok: true, items };
  },

  normalize(item, { source, receivedAt }): NormalizeResult {
    const parsed = GoogleActivity.safeParse(item);
    if (!parsed.success) return { ok: false, reason: 'does not match the Reports API activity format', errors: fieldErrors(parsed.error) };
    const activity = parsed.data;
    const gEvent = activity.events[0] as GoogleEvent;
    const index = (item as Item)[EVENT_INDEX];
    const params = parameters(gEvent);
    const app = activity.id.applicationName;
    const mapping = mapEvent(app, gEvent.name, params);
    const actorEmail = activity.actor?.email ?? undefined;
    const ip = activity.ipAddress && isIP(activity.ipAddress) !== 0 ? activity.ipAddress : undefined;
    const time = new Date(activity.id.time);

    const attributes: VigilEvent['attributes'] = {
      'google.application': app,
      'google.event_type': gEvent.type ?? null,
      'google.customer_id': activity.id.customerId ?? null,
      'google.caller_type': activity.actor?.callerType ?? null,
    };
    if (activity.id.customerId) attributes[TENANT] = activity.id.customerId;
    for (const [name, key] of [
      ['login_type', 'google.login_type'],
      ['login_failure_type', 'google.login_failure_type'],
      ['login_challenge_status', 'google.login_challenge_status'],
      ['ROLE_NAME', 'google.role_name'],
      ['USER_EMAIL', 'google.user_email'],
      ['SETTING_NAME', 'google.setting_name'],
      ['NEW_VALUE', 'google.new_value'],
    ] as const) {
      const value = params.text(name);
      if (value !== undefined) attributes[key] = value;
    }
    const suspicious = params.bool('is_suspicious');
    if (suspicious !== undefined) attributes['google.is_suspicious'] = suspicious;
    const methods = params.list('login_challenge_method');
    if (methods) attributes['google.login_challenge_method'] = methods.join(',');
    if (mapping.change) attributes[CHANGE] = mapping.change;
    if (mapping.kind === 'authentication') {
      const mfa = mfaUsed(gEvent.name, params);
      if (mfa !== undefined) attributes[MFA_USED] = mfa;
      const via = interfaceOf(params.text('login_type'));
      if (via) attributes[INTERFACE] = via;
    }

    const event: VigilEvent = {
      id: `${source}:${app}:${time.getTime()}:${String(activity.id.uniqueQualifier)}${index === undefined ? '' : `:${index}`}`,
      source,
      kind: mapping.kind,
      action: gEvent.name,
      ocsfClassUid: OCSF_CLASS_BY_KIND[mapping.kind],
      time: time.toISOString(),
      receivedAt,
      entity: entityOf(mapping, actorEmail, params.text('USER_EMAIL'), activity),
      outcome: mapping.outcome ?? 'success',
      actor: { ...(actorEmail ? { user: actorEmail } : {}), ...(ip ? { ip } : {}) },
      attributes,
      raw: item,
    };
    return { ok: true, event };
  },
};

/** One item per event: an activity with several events becomes several items, each with one event. */
function expand(activity: unknown): unknown[] {
  const events = (activity as { events?: unknown } | null)?.events;
  if (!Array.isArray(events) || events.length <= 1) return [activity];
  return events.map((event, index): Item => ({ ...(activity as Record<string, unknown>), events: [event], [EVENT_INDEX]: index }));
}

interface Parameters {
  text(name: string): string | undefined;
  bool(name: string): boolean | undefined;
  list(name: string): string[] | undefined;
}

function parameters(event: GoogleEvent): Parameters {
  const find = (name: string) => event.parameters?.find((p) => p.name === name);
  return {
    text: (name) => find(name)?.value ?? undefined,
    bool: (name) => find(name)?.boolValue ?? undefined,
    list: (name) => {
      const p = find(name);
      if (!p) return undefined;
      return p.multiValue ?? (p.value ? [p.value] : undefined);
    },
  };
}

interface Mapping {
  kind: EventKind;
  change?: Change;
  outcome?: Outcome;
  /** The event is about the Workspace account as a whole (an org-wide setting). */
  orgWide?: boolean;
  /** The event is about the user named in USER_EMAIL rather than the actor. */
  aboutTarget?: boolean;
}

const ADMIN_CHANGES: Readonly<Record<string, Change>> = {
  GRANT_ADMIN_PRIVILEGE: 'admin-granted',
  GRANT_DELEGATED_ADMIN_PRIVILEGES: 'admin-granted',
  ASSIGN_ROLE: 'admin-granted',
  REVOKE_ADMIN_PRIVILEGE: 'admin-revoked',
  UNASSIGN_ROLE: 'admin-revoked',
  SUSPEND_USER: 'user-suspended',
  ARCHIVE_USER: 'user-suspended',
  UNSUSPEND_USER: 'user-reactivated',
  UNARCHIVE_USER: 'user-reactivated',
  CREATE_USER: 'user-created',
  DELETE_USER: 'user-deleted',
  CHANGE_PASSWORD: 'password-reset',
  TURN_OFF_2_STEP_VERIFICATION: 'mfa-removed',
  REVOKE_SECURITY_KEY: 'mfa-removed',
  PASSKEY_REVOKED: 'mfa-removed',
  USER_CREATED_PASSKEY_REVOKE: 'mfa-removed',
  UNENROLL_USER_FROM_STRONG_AUTH: 'mfa-removed',
  UNENROLL_USER_FROM_TITANIUM: 'mfa-removed',
};

/** Org-wide 2-step verification switches; turning one to "false" relaxes MFA for everyone in scope. */
const MFA_POLICY_EVENTS = new Set(['ENFORCE_STRONG_AUTHENTICATION', 'ALLOW_STRONG_AUTHENTICATION']);

function mapEvent(app: string, name: string, params: Parameters): Mapping {
  if (app === 'login') {
    switch (name) {
      case 'login_success':
        return { kind: 'authentication', outcome: 'success' };
      case 'login_failure':
        return { kind: 'authentication', outcome: 'failure' };
      case 'login_challenge':
      case 'login_verification':
        return { kind: 'authentication', outcome: challengeOutcome(params.text('login_challenge_status')) };
    }
    if (name.startsWith('account_disabled_')) return { kind: 'account_change', change: 'user-suspended' };
  }
  if (app === 'login' || app === 'user_accounts') {
    // The user's own unenrolment from Advanced Protection (the admin-side one is UNENROLL_USER_FROM_TITANIUM).
    if (name === '2sv_disable' || name === 'titanium_unenroll') return { kind: 'account_change', change: 'mfa-removed' };
    if (['2sv_enroll', 'password_edit'].includes(name) || name.startsWith('recovery_')) return { kind: 'account_change' };
  }
  if (app === 'admin') {
    const change = ADMIN_CHANGES[name];
    if (change) return { kind: 'account_change', change, aboutTarget: true };
    if (MFA_POLICY_EVENTS.has(name)) {
      return { kind: 'api_activity', orgWide: true, ...(params.text('NEW_VALUE')?.toLowerCase() === 'false' ? { change: 'mfa-policy-weakened' } : {}) };
    }
  }
  return { kind: 'api_activity' };
}

/** "Challenge Passed." / "passed" / "Challenge Failed." / "failed": Google has written both. */
function challengeOutcome(status: string | undefined): Outcome {
  if (!status) return 'unknown';
  if (/pass/i.test(status)) return 'success';
  if (/fail/i.test(status)) return 'failure';
  return 'unknown';
}

/**
 * True when a second factor was part of the sign-in, false when only the password was, absent when
 * Google does not say (SAML sign-ins: the identity provider did the MFA; methods Vigil does not know).
 */
function mfaUsed(name: string, params: Parameters): boolean | undefined {
  if (params.bool('is_second_factor') === true || name === 'login_verification') return true;
  if (params.text('login_failure_type') === 'login_failure_invalid_second_factor') return true;
  const methods = params.list('login_challenge_method');
  if (!methods || methods.length === 0) return undefined;
  if (methods.some((m) => SECOND_FACTORS.has(m))) return true;
  if (params.text('login_type') === 'saml') return undefined;
  return methods.every((m) => FIRST_FACTOR_ONLY.has(m)) ? false : undefined;
}

function interfaceOf(loginType: string | undefined): string | undefined {
  switch (loginType) {
    case 'saml':
      return 'sso';
    case 'google_password':
    case 'passkey':
    case 'reauth':
      return 'web';
    default:
      return undefined;
  }
}

function entityOf(mapping: Mapping, actorEmail: string | undefined, userEmail: string | undefined, activity: GoogleActivity): Entity {
  if (mapping.aboutTarget && userEmail) return { type: 'user', id: userEmail };
  const customer = activity.id.customerId ?? undefined;
  if (mapping.orgWide && customer) return { type: 'account', id: customer };
  if (actorEmail) return { type: 'user', id: actorEmail };
  const key = activity.actor?.key ?? activity.actor?.profileId ?? undefined;
  if (key) return { type: 'service', id: key };
  return { type: 'account', id: customer ?? 'unknown' };
}
