import { createHash } from 'node:crypto';
import {
  CHANGE,
  CREDENTIAL,
  INTERFACE,
  OCSF_CLASS_BY_KIND,
  ROLES,
  VENDOR,
  type VigilEvent,
} from '@vigil/schema';
import { MAX_BATCH_ITEMS } from '../generic-normalizer';
import type { Normalizer, NormalizeResult } from '../normalizer';
import { classifyCloudflare, type Classification } from './cloudflare-changes';
import { looksLikeAuditEntry, readAuditEntry, type CloudflareAuditEntry } from './cloudflare-record';
import { decodeLogpushBody, UnparsableLine } from './logpush-body';

/**
 * A delivery of a dataset other than the audit logs (HTTP requests, firewall events, ...): Vigil does
 * not keep those records, it notes that the customer's copy arrived. One heartbeat per delivery.
 */
export class LogpushBatch {
  constructor(
    readonly records: number,
    readonly sha256: string,
    /** The first record, as a sample of what the job sends (its fields show the dataset). */
    readonly sample: unknown,
  ) {}
}

/** What Logpush sends to validate an HTTP destination when a job is created (`test.txt.gz`). */
function isValidationMessage(items: unknown[]): boolean {
  if (items.length !== 1) return false;
  const only = items[0] as { content?: unknown } | null;
  return (
    typeof only === 'object' && only !== null && Object.keys(only).length === 1 && only.content === 'tests'
  );
}

function itemsOf(body: unknown): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  if (typeof body !== 'object' || body === null) return undefined;
  const envelope = body as { ndjson?: unknown; result?: unknown };
  if (Array.isArray(envelope.ndjson)) return envelope.ndjson;
  // An Audit Logs API answer, posted or replayed as it came.
  if (Array.isArray(envelope.result)) return envelope.result;
  return [body];
}

function attributesOf(
  entry: CloudflareAuditEntry,
  { roles, granted, setting }: Classification,
): VigilEvent['attributes'] {
  const attributes: VigilEvent['attributes'] = {
    [VENDOR]: 'cloudflare',
    'cloudflare.dataset': entry.shape,
    'cloudflare.action': entry.action,
    'cloudflare.resource_type': entry.resource.type ?? null,
    'cloudflare.resource_id': entry.resource.id ?? null,
    'cloudflare.product': entry.resource.product ?? null,
    'cloudflare.account_id': entry.accountId ?? null,
    'cloudflare.zone': entry.zone ?? null,
    'cloudflare.actor_type': entry.actor.type ?? null,
    'cloudflare.actor_context': entry.actor.context ?? null,
    'cloudflare.token_id': entry.actor.tokenId ?? null,
    'cloudflare.description': entry.description ?? null,
  };
  if (roles && roles.length > 0) attributes['cloudflare.roles'] = roles.join(', ');
  if (granted && granted.length > 0) attributes[ROLES] = JSON.stringify(granted);
  if (entry.actor.tokenId) attributes[CREDENTIAL] = `cloudflare-token:${entry.actor.tokenId}`;
  if (setting) attributes['cloudflare.setting'] = setting;
  const via = entry.interface ?? entry.actor.context;
  if (via) attributes[INTERFACE] = via.toLowerCase();
  return attributes;
}

function normalizeBatch(batch: LogpushBatch, source: string, receivedAt: string): NormalizeResult {
  return {
    ok: true,
    event: {
      id: `${source}:logpush:${batch.sha256.slice(0, 40)}`,
      source,
      kind: 'heartbeat',
      action: 'logpush.delivery',
      ocsfClassUid: OCSF_CLASS_BY_KIND.heartbeat,
      time: receivedAt,
      receivedAt,
      entity: { type: 'source', id: source },
      outcome: 'success',
      actor: {},
      attributes: { [VENDOR]: 'cloudflare', 'cloudflare.records': batch.records },
      raw: { records: batch.records, sha256: batch.sha256, sample: batch.sample },
    },
  };
}

/**
 * Cloudflare: Logpush HTTP deliveries (gzip NDJSON) of the `audit_logs` / `audit_logs_v2` datasets, Audit
 * Logs API entries (v1 and v2, from the poller), and deliveries of any other dataset as the customer's own
 * log copy arriving (one heartbeat a delivery).
 */
export const cloudflareNormalizer: Normalizer = {
  decode: (raw) => decodeLogpushBody(raw),

  split(body) {
    const items = itemsOf(body);
    if (items === undefined) {
      return {
        ok: false,
        reason: 'expected Logpush NDJSON records, an array of records, or an Audit Logs API answer',
        errors: [{ path: '(root)', message: `got ${typeof body}` }],
      };
    }
    if (items.length === 0 || isValidationMessage(items)) return { ok: true, items: [] };
    const bad = items.filter((item) => item instanceof UnparsableLine);
    const records = items.filter((item) => !(item instanceof UnparsableLine));
    if (records.length > 0 && !records.some(looksLikeAuditEntry)) {
      const digest = createHash('sha256').update(JSON.stringify(records)).digest('hex');
      return { ok: true, items: [new LogpushBatch(records.length, digest, records[0]), ...bad] };
    }
    if (items.length > MAX_BATCH_ITEMS) {
      return {
        ok: false,
        reason: `a delivery holds at most ${MAX_BATCH_ITEMS} audit entries, got ${items.length} (set the job's max_upload_records)`,
        errors: [],
      };
    }
    return { ok: true, items };
  },

  normalize(item, { source, receivedAt }): NormalizeResult {
    if (item instanceof UnparsableLine) {
      return {
        ok: false,
        reason: `line ${item.line} is not JSON`,
        errors: [{ path: `line ${item.line}`, message: item.message }],
      };
    }
    if (item instanceof LogpushBatch) return normalizeBatch(item, source, receivedAt);
    const read = readAuditEntry(item);
    if (!read.ok) return read;
    const entry = read.entry;
    const classification = classifyCloudflare(entry);
    const { kind, change, entity } = classification;
    const attributes = attributesOf(entry, classification);
    if (change) attributes[CHANGE] = change;
    return {
      ok: true,
      event: {
        id: `${source}:${entry.id}`,
        source,
        kind,
        action: entry.action,
        ocsfClassUid: OCSF_CLASS_BY_KIND[kind],
        time: new Date(entry.timeMs).toISOString(),
        receivedAt,
        entity,
        outcome: entry.outcome,
        actor: {
          ...(entry.actor.email ? { user: entry.actor.email } : {}),
          ...(entry.actor.ip ? { ip: entry.actor.ip } : {}),
        },
        attributes,
        raw: item,
      },
    };
  },
};
