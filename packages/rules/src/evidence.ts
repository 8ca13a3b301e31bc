import type { EvidenceRef } from '@vigil/schema';
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
  position: z.object({ topic: z.string(), partition: z.number().int(), offset: z.string() }),
});
export type StoredEvidence = z.infer<typeof StoredEvidence>;

/** The position as JSON, as the scripts store it; built by hand, since every matched rule asks. */
export function encodePosition(position: StreamPosition): string {
  return `{"topic":${JSON.stringify(position.topic)},"partition":${position.partition},"offset":${JSON.stringify(position.offset)}}`;
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
