import { fieldErrors, type FieldError, type Outcome } from '@vigil/schema';
import { z } from 'zod';

/**
 * One Cloudflare account audit log entry, whichever way it came. Cloudflare publishes the same entry
 * in four shapes, each checked against its documentation:
 * - Logpush dataset `audit_logs` (developers.cloudflare.com/logs/reference/log-fields/account/audit_logs):
 *   `ID`, `When`, `ActionType`, `ActionResult` (bool), `ActorEmail`, `ActorID`, `ActorIP`, `ActorType`,
 *   `Interface`, `Metadata`, `NewValue`, `OldValue`, `OwnerID`, `ResourceID`, `ResourceType`;
 * - Logpush dataset `audit_logs_v2`: `AuditLogID`, `ActionTimestamp`, `ActionType`, `ActionResult`
 *   (string), `ActionDescription`, `ActorContext`, `ActorEmail`, `ActorID`, `ActorIPAddress`,
 *   `ActorTokenDetails`, `ActorType`, `AccountID`, `AccountName`, `ResourceID`, `ResourceProduct`,
 *   `ResourceRequest`, `ResourceResponse`, `ResourceScope`, `ResourceType`, `ResourceValue`, `ZoneID`, `ZoneName`;
 * - Audit Logs API v1 (`GET /accounts/{id}/audit_logs`): `{id, when, action: {type, result: bool},
 *   actor: {id, email, ip, type}, interface, metadata, newValue, oldValue, owner: {id}, resource: {id, type}}`;
 * - Audit Logs API v2 (`GET /accounts/{id}/logs/audit`): `{id, account: {id, name}, action: {type,
 *   result, time, description}, actor: {id, email, ip_address, type, context, token_id, token_name},
 *   raw: {...}, resource: {id, type, product, scope, request, response}, zone: {id, name}}`.
 * `When` / `ActionTimestamp` are RFC 3339 by default, or Unix seconds / nanoseconds when the Logpush job's
 * `timestamp_format` says so.
 */
export interface CloudflareAuditEntry {
  shape: 'audit_logs' | 'audit_logs_v2' | 'api_v1' | 'api_v2';
  id: string;
  timeMs: number;
  action: string;
  description?: string;
  outcome: Outcome;
  actor: { id?: string; email?: string; ip?: string; type?: string; context?: string; tokenId?: string; tokenName?: string };
  resource: { id?: string; type?: string; product?: string; scope?: string };
  accountId?: string;
  zone?: string;
  interface?: string;
  /** What the change set and replaced, as Cloudflare recorded it (objects, or JSON in a string). */
  newValue?: unknown;
  oldValue?: unknown;
  metadata?: unknown;
}

const text = z.string().nullish();
/** Seconds, milliseconds, nanoseconds (as a number or digits) or an RFC 3339 string. */
const CloudflareTime = z.union([z.string().min(1), z.number()]);

const LogpushV1 = z.object({
  ID: z.string().min(1),
  When: CloudflareTime,
  ActionType: z.string().min(1),
  ActionResult: z.union([z.boolean(), z.string()]).nullish(),
  ActorEmail: text,
  ActorID: text,
  ActorIP: text,
  ActorType: text,
  Interface: text,
  Metadata: z.unknown().optional(),
  NewValue: z.unknown().optional(),
  OldValue: z.unknown().optional(),
  OwnerID: text,
  ResourceID: text,
  ResourceType: text,
});

const LogpushV2 = z.object({
  AuditLogID: z.string().min(1),
  ActionTimestamp: CloudflareTime,
  ActionType: z.string().min(1),
  ActionResult: z.union([z.boolean(), z.string()]).nullish(),
  ActionDescription: text,
  ActorContext: text,
  ActorEmail: text,
  ActorID: text,
  ActorIPAddress: text,
  ActorTokenDetails: z.object({ id: text, name: text }).loose().nullish(),
  ActorType: text,
  AccountID: text,
  ResourceID: text,
  ResourceProduct: text,
  ResourceRequest: z.unknown().optional(),
  ResourceResponse: z.unknown().optional(),
  ResourceScope: z.unknown().optional(),
  ResourceType: text,
  ResourceValue: z.unknown().optional(),
  ZoneName: text,
});

const ApiV1 = z.object({
  id: z.string().min(1),
  when: CloudflareTime,
  action: z.object({ type: z.string().min(1), result: z.union([z.boolean(), z.string()]).nullish() }),
  actor: z.object({ id: text, email: text, ip: text, type: text }).nullish(),
  interface: text,
  metadata: z.unknown().optional(),
  newValue: z.unknown().optional(),
  oldValue: z.unknown().optional(),
  resource: z.object({ id: text, type: text }).nullish(),
});

const ApiV2 = z.object({
  id: z.string().min(1),
  account: z.object({ id: text, name: text }).nullish(),
  action: z.object({ type: z.string().min(1), result: text, time: CloudflareTime, description: text }),
  actor: z
    .object({ id: text, email: text, ip_address: text, type: text, context: text, token_id: text, token_name: text })
    .nullish(),
  resource: z.object({ id: text, type: text, product: text, scope: z.unknown().optional(), request: z.unknown().optional(), response: z.unknown().optional() }).nullish(),
  zone: z.object({ id: text, name: text }).nullish(),
});

const NS_PER_MS = 1_000_000;

/** Epoch ms, or undefined when the value is no time Cloudflare writes. */
export function cloudflareTimeMs(value: string | number): number | undefined {
  const digits = typeof value === 'number' ? value : /^\d+(\.\d+)?$/.test(value) ? Number(value) : undefined;
  if (digits === undefined) {
    if (!/^\d{4}-\d{2}-\d{2}T/.test(value as string)) return undefined;
    const ms = Date.parse(value as string);
    return Number.isFinite(ms) ? ms : undefined;
  }
  if (!Number.isFinite(digits) || digits < 0) return undefined;
  // unixnano (≥ 1e17), milliseconds (≥ 1e11, year 1973 in seconds) or seconds.
  if (digits >= 1e17) return Math.floor(digits / NS_PER_MS);
  if (digits >= 1e11) return Math.floor(digits);
  return Math.floor(digits * 1000);
}

function outcomeOf(result: boolean | string | null | undefined): Outcome {
  if (result === true) return 'success';
  if (result === false) return 'failure';
  const word = result?.toLowerCase();
  if (word === 'success' || word === 'true') return 'success';
  if (word === 'failure' || word === 'failed' || word === 'false') return 'failure';
  return 'unknown';
}

function defined<T extends Record<string, unknown>>(object: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined && v !== null && v !== '')) as {
    [K in keyof T]: Exclude<T[K], null>;
  };
}

/** Which shape an item has, by the id field only that shape carries. */
function shapeOf(item: Record<string, unknown>): CloudflareAuditEntry['shape'] | undefined {
  if ('AuditLogID' in item) return 'audit_logs_v2';
  if ('ID' in item && 'When' in item) return 'audit_logs';
  if ('id' in item && 'when' in item) return 'api_v1';
  if ('id' in item && typeof item.action === 'object' && item.action !== null && 'time' in item.action) return 'api_v2';
  return undefined;
}

/** True for an item that is an audit log entry (in any of the four shapes), valid or not. */
export function looksLikeAuditEntry(item: unknown): boolean {
  return typeof item === 'object' && item !== null && !Array.isArray(item) && shapeOf(item as Record<string, unknown>) !== undefined;
}

export type ReadResult = { ok: true; entry: CloudflareAuditEntry } | { ok: false; reason: string; errors: FieldError[] };

function badTime(path: string, value: unknown): ReadResult {
  return {
    ok: false,
    reason: 'the entry has no usable time',
    errors: [{ path, message: `expected RFC 3339 or Unix seconds / nanoseconds, got ${JSON.stringify(value).slice(0, 80)}` }],
  };
}

/** Reads one audit log entry in any of the four shapes into one form. */
export function readAuditEntry(item: unknown): ReadResult {
  const shape = typeof item === 'object' && item !== null && !Array.isArray(item) ? shapeOf(item as Record<string, unknown>) : undefined;
  if (shape === undefined) {
    return {
      ok: false,
      reason: 'not a Cloudflare audit log entry (expected the audit_logs or audit_logs_v2 dataset, or an Audit Logs API entry)',
      errors: [{ path: '(item)', message: 'no ID / AuditLogID / id field' }],
    };
  }
  switch (shape) {
    case 'audit_logs': {
      const parsed = LogpushV1.safeParse(item);
      if (!parsed.success) return { ok: false, reason: 'does not match the Cloudflare audit_logs dataset', errors: fieldErrors(parsed.error) };
      const e = parsed.data;
      const timeMs = cloudflareTimeMs(e.When);
      if (timeMs === undefined) return badTime('When', e.When);
      return {
        ok: true,
        entry: {
          shape,
          id: e.ID,
          timeMs,
          action: e.ActionType,
          outcome: outcomeOf(e.ActionResult),
          actor: defined({ id: e.ActorID, email: e.ActorEmail, ip: e.ActorIP, type: e.ActorType }),
          resource: defined({ id: e.ResourceID, type: e.ResourceType }),
          ...defined({ accountId: e.OwnerID, interface: e.Interface }),
          newValue: e.NewValue,
          oldValue: e.OldValue,
          metadata: e.Metadata,
        },
      };
    }
    case 'audit_logs_v2': {
      const parsed = LogpushV2.safeParse(item);
      if (!parsed.success) return { ok: false, reason: 'does not match the Cloudflare audit_logs_v2 dataset', errors: fieldErrors(parsed.error) };
      const e = parsed.data;
      const timeMs = cloudflareTimeMs(e.ActionTimestamp);
      if (timeMs === undefined) return badTime('ActionTimestamp', e.ActionTimestamp);
      return {
        ok: true,
        entry: {
          shape,
          id: e.AuditLogID,
          timeMs,
          action: e.ActionType,
          ...defined({ description: e.ActionDescription, accountId: e.AccountID, zone: e.ZoneName }),
          outcome: outcomeOf(e.ActionResult),
          actor: defined({
            id: e.ActorID,
            email: e.ActorEmail,
            ip: e.ActorIPAddress,
            type: e.ActorType,
            context: e.ActorContext,
            tokenId: e.ActorTokenDetails?.id,
            tokenName: e.ActorTokenDetails?.name,
          }),
          resource: defined({
            id: e.ResourceID,
            type: e.ResourceType,
            product: e.ResourceProduct,
            scope: typeof e.ResourceScope === 'string' ? e.ResourceScope : undefined,
          }),
          newValue: e.ResourceRequest ?? e.ResourceValue,
          oldValue: undefined,
          metadata: e.ResourceResponse,
        },
      };
    }
    case 'api_v1': {
      const parsed = ApiV1.safeParse(item);
      if (!parsed.success) return { ok: false, reason: 'does not match the Cloudflare Audit Logs API (v1) entry', errors: fieldErrors(parsed.error) };
      const e = parsed.data;
      const timeMs = cloudflareTimeMs(e.when);
      if (timeMs === undefined) return badTime('when', e.when);
      return {
        ok: true,
        entry: {
          shape,
          id: e.id,
          timeMs,
          action: e.action.type,
          outcome: outcomeOf(e.action.result),
          actor: defined({ id: e.actor?.id, email: e.actor?.email, ip: e.actor?.ip, type: e.actor?.type }),
          resource: defined({ id: e.resource?.id, type: e.resource?.type }),
          ...defined({ interface: e.interface }),
          newValue: e.newValue,
          oldValue: e.oldValue,
          metadata: e.metadata,
        },
      };
    }
    case 'api_v2': {
      const parsed = ApiV2.safeParse(item);
      if (!parsed.success) return { ok: false, reason: 'does not match the Cloudflare Audit Logs API (v2) entry', errors: fieldErrors(parsed.error) };
      const e = parsed.data;
      const timeMs = cloudflareTimeMs(e.action.time);
      if (timeMs === undefined) return badTime('action.time', e.action.time);
      return {
        ok: true,
        entry: {
          shape,
          id: e.id,
          timeMs,
          action: e.action.type,
          ...defined({ description: e.action.description, accountId: e.account?.id, zone: e.zone?.name }),
          outcome: outcomeOf(e.action.result),
          actor: defined({
            id: e.actor?.id,
            email: e.actor?.email,
            ip: e.actor?.ip_address,
            type: e.actor?.type,
            context: e.actor?.context,
            tokenId: e.actor?.token_id,
            tokenName: e.actor?.token_name,
          }),
          resource: defined({
            id: e.resource?.id,
            type: e.resource?.type,
            product: e.resource?.product,
            scope: typeof e.resource?.scope === 'string' ? e.resource.scope : undefined,
          }),
          newValue: e.resource?.request,
          oldValue: undefined,
          metadata: e.resource?.response,
        },
      };
    }
  }
}
