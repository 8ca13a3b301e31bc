import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

/** The `prev_hash` of the first entry of a register. */
export const GENESIS_HASH = '0'.repeat(64);

/** What a timeline entry says; its hash covers exactly this, chained to the entry before it. */
export interface TimelineContent {
  incidentId: string;
  kind: string;
  actor: string;
  /** ISO-8601 in UTC with milliseconds, as `Date.prototype.toISOString` writes it. */
  at: string;
  data: Record<string, unknown>;
}

/** sha256(prev_hash || canonical JSON of the content), hex. */
export function timelineHash(prevHash: string, content: TimelineContent): string {
  const body = canonicalJson({
    incidentId: content.incidentId,
    kind: content.kind,
    actor: content.actor,
    at: content.at,
    data: content.data,
  });
  return createHash('sha256').update(prevHash, 'utf8').update(body, 'utf8').digest('hex');
}
