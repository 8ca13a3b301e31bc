import type { Change, Entity, EventKind } from '@vigil/schema';
import type { CloudflareAuditEntry } from './cloudflare-record';

/**
 * What an audit entry means in Vigil's vocabulary. Cloudflare's action names are not one closed list:
 * v1 entries name the verb (`login`, `add`, `delete`, `update`, `create`, `rotate_API_key`, ...) and the
 * resource type (`member`, `two_factor`, `api_token`, `logpush_job`, `zone_setting`, ...); v2 entries use
 * `create` / `update` / `delete` / `view` and name the product and resource type. So the classification
 * reads the verb and the words of the resource (type, product, description) rather than a fixed table.
 */
export interface Classification {
  kind: EventKind;
  change?: Change;
  /** Whom the entry is about; the actor when it names nothing else. */
  entity: Entity;
  /** Role names the member has after the change, when it names any. */
  roles?: string[];
  /** Of those, the ones the member did not have before (all of them when the entry has no old value). */
  granted?: string[];
  /** The zone setting a change lowered, e.g. `ssl` → `flexible`. */
  setting?: string;
}

const DELETING = /^(delete|remove|revoke|disable|destroy|deactivate)/;
const CREATING = /^(create|add|invite|new|post)/;
const ROLLING = /(roll|rotate|regenerate|reroll)/;

/** Role names Cloudflare gives full control of an account (the default `admin level` in the vendors file). */
export const CLOUDFLARE_ADMIN_ROLE = /administrator|super admin/i;

/** Zone settings whose new values lower protection (names and values from the zone settings API). */
const LOWERING: Readonly<Record<string, (value: string) => boolean>> = {
  ssl: (v) => v === 'off' || v === 'flexible',
  security_level: (v) => v === 'essentially_off' || v === 'low' || v === 'off',
  always_use_https: (v) => v === 'off',
  waf: (v) => v === 'off',
  browser_check: (v) => v === 'off',
  min_tls_version: (v) => v === '1.0',
  tls_1_3: (v) => v === 'off',
  automatic_https_rewrites: (v) => v === 'off',
};

/** JSON kept as a string (v1 `newValue` often is) becomes a value; anything else stays as it is. */
function decoded(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return value;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return value;
  }
}

/** The first value under `key` anywhere in `value`, at most a few levels down. */
export function findKey(value: unknown, key: string, depth = 4): unknown {
  const v = decoded(value);
  if (depth < 0 || typeof v !== 'object' || v === null) return undefined;
  if (!Array.isArray(v) && Object.hasOwn(v, key)) return (v as Record<string, unknown>)[key];
  for (const child of Object.values(v as Record<string, unknown>)) {
    const found = findKey(child, key, depth - 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function roleNames(value: unknown): string[] {
  const roles = findKey(value, 'roles');
  if (!Array.isArray(roles)) return [];
  return roles
    .map((role: unknown) =>
      typeof role === 'string'
        ? role
        : typeof role === 'object' && role !== null
          ? (role as { name?: unknown }).name
          : undefined,
    )
    .filter((name): name is string => typeof name === 'string' && name.length > 0);
}

function memberEmail(entry: CloudflareAuditEntry): string | undefined {
  for (const value of [entry.newValue, entry.oldValue, entry.metadata]) {
    const email = findKey(value, 'email');
    if (typeof email === 'string' && email.includes('@')) return email;
  }
  return undefined;
}

function actorEntity(entry: CloudflareAuditEntry): Entity {
  if (entry.actor.email) return { type: 'user', id: entry.actor.email };
  if (entry.actor.id) return { type: 'account', id: `cloudflare:${entry.actor.id}` };
  return { type: 'account', id: `cloudflare:${entry.accountId ?? 'unknown'}` };
}

function resourceEntity(prefix: string, entry: CloudflareAuditEntry): Entity {
  return { type: 'resource', id: `cloudflare-${prefix}:${entry.resource.id ?? entry.id}` };
}

function accountEntity(entry: CloudflareAuditEntry): Entity {
  return { type: 'account', id: `cloudflare:${entry.accountId ?? entry.actor.id ?? 'unknown'}` };
}

function settingChange(entry: CloudflareAuditEntry): { setting: string; value: string } | undefined {
  const id = findKey(entry.newValue, 'id') ?? entry.resource.id;
  const raw = findKey(entry.newValue, 'value') ?? decoded(entry.newValue);
  if (typeof id !== 'string' || typeof raw !== 'string') return undefined;
  const lowers = LOWERING[id];
  return lowers?.(raw) ? { setting: id, value: raw } : undefined;
}

/** Classifies one entry: sign-in, member, 2FA, token, Logpush job, zone setting, or plain API activity. */
export function classifyCloudflare(entry: CloudflareAuditEntry): Classification {
  const verb = entry.action.toLowerCase();
  const words = [entry.resource.type, entry.resource.product, entry.description, entry.action]
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
  const deleting = DELETING.test(verb);
  const creating = CREATING.test(verb);

  if (verb === 'login' || /\b(login|sign[ _-]?in)\b/.test(`${entry.resource.type ?? ''} ${verb}`)) {
    return { kind: 'authentication', entity: actorEntity(entry) };
  }

  // The account-wide switch: `enforce_twofactor` turned from true to false (account settings).
  const enforced = findKey(entry.newValue, 'enforce_twofactor');
  if (enforced === false && findKey(entry.oldValue, 'enforce_twofactor') !== false) {
    return { kind: 'account_change', change: 'mfa-policy-weakened', entity: accountEntity(entry) };
  }
  if (/two[ _-]?factor|2fa|tfa|\bmfa\b/.test(words)) {
    const email = memberEmail(entry);
    const entity: Entity = email ? { type: 'user', id: email } : actorEntity(entry);
    return deleting || /(disable|reset|remove)/.test(words)
      ? { kind: 'account_change', change: 'mfa-removed', entity }
      : { kind: 'account_change', entity };
  }
  if (/member/.test(words)) {
    const email = memberEmail(entry);
    const entity: Entity = email ? { type: 'user', id: email } : resourceEntity('member', entry);
    if (deleting) return { kind: 'account_change', change: 'user-deleted', entity };
    const roles = roleNames(entry.newValue);
    const before = new Set(roleNames(entry.oldValue).map((r) => r.toLowerCase()));
    const granted = roles.filter((r) => !before.has(r.toLowerCase()));
    const admin = roles.some((r) => CLOUDFLARE_ADMIN_ROLE.test(r));
    if (admin) return { kind: 'account_change', change: 'admin-granted', entity, roles, granted };
    return {
      kind: 'account_change',
      ...(creating ? { change: 'user-created' as const } : {}),
      entity,
      ...(roles.length > 0 ? { roles, granted } : {}),
    };
  }
  if (/token|api[ _-]?key|service[ _-]?key/.test(words)) {
    const entity = resourceEntity('token', entry);
    if (ROLLING.test(words)) return { kind: 'api_activity', change: 'credential-rotated', entity };
    if (deleting) return { kind: 'api_activity', change: 'credential-revoked', entity };
    if (creating) return { kind: 'api_activity', change: 'credential-created', entity };
    return { kind: 'api_activity', entity };
  }
  if (/logpush/.test(words)) {
    const entity = resourceEntity('logpush-job', entry);
    if (deleting) return { kind: 'api_activity', change: 'audit-log-deleted', entity };
    if (findKey(entry.newValue, 'enabled') === false)
      return { kind: 'api_activity', change: 'audit-log-stopped', entity };
    return { kind: 'api_activity', change: 'audit-log-changed', entity };
  }
  if (/setting/.test(words)) {
    const lowered = settingChange(entry);
    if (lowered) {
      const zone = entry.zone ?? entry.resource.id ?? 'unknown';
      return {
        kind: 'api_activity',
        change: 'protection-lowered',
        entity: { type: 'resource', id: `cloudflare-zone:${zone}` },
        setting: `${lowered.setting}=${lowered.value}`,
      };
    }
  }
  return { kind: 'api_activity', entity: actorEntity(entry) };
}
