import { USER_AGENT, type EvidenceRef, type VigilEvent } from '@vigil/schema';
import { z } from 'zod';

/** Where an event was read from; stored beside it in Redis so evidence can point back into the stream. */
export interface StreamPosition {
  topic: string;
  partition: number;
  /** Decimal string, as Kafka gives it. */
  offset: string;
}

/** An evidence entry as the Lua scripts write it into a transition record: times in epoch ms. */
export const StoredEvidence = z.object({
  id: z.string().min(1),
  time: z.number(),
  position: z.object({
    topic: z.string(),
    partition: z.number().int(),
    offset: z.string(),
    /** Who the event came from, when it says: kept so an incident can list the addresses and clients behind it. */
    ip: z.string().optional(),
    ua: z.string().optional(),
  }),
});
export type StoredEvidence = z.infer<typeof StoredEvidence>;

/** The source address and client of an event, where it names them. */
export interface Observed {
  ip?: string | undefined;
  userAgent?: string | undefined;
}

/** The distinct addresses and clients behind some evidence, in evidence order. */
export interface ObservedSet {
  ips: string[];
  userAgents: string[];
}

/** The actor's IP and the `vigil.user_agent` attribute of an event. */
export function observedOf(event: VigilEvent): Observed {
  const ua = event.attributes[USER_AGENT];
  return { ip: event.actor.ip, userAgent: typeof ua === 'string' && ua !== '' ? ua : undefined };
}

/**
 * The position as JSON, as the scripts store it, with the event's IP and user agent when given; built by
 * hand, since every matched rule asks.
 */
export function encodePosition(position: StreamPosition, observed?: Observed): string {
  let extra = '';
  if (observed?.ip) extra += `,"ip":${JSON.stringify(observed.ip)}`;
  if (observed?.userAgent) extra += `,"ua":${JSON.stringify(observed.userAgent)}`;
  return `{"topic":${JSON.stringify(position.topic)},"partition":${position.partition},"offset":${JSON.stringify(position.offset)}${extra}}`;
}

/** The distinct IPs and user agents stored with `entries`, in order. */
export function observedIn(entries: readonly StoredEvidence[]): ObservedSet {
  const ips = new Set<string>();
  const userAgents = new Set<string>();
  for (const { position } of entries) {
    if (position.ip) ips.add(position.ip);
    if (position.ua) userAgents.add(position.ua);
  }
  return { ips: [...ips], userAgents: [...userAgents] };
}

export function toEvidenceRef(entry: StoredEvidence): EvidenceRef {
  return {
    eventId: entry.id,
    topic: entry.position.topic,
    partition: entry.position.partition,
    offset: entry.position.offset,
    time: new Date(entry.time).toISOString(),
  };
}
