import type { z } from 'zod';
import { DeadLetter } from './dead-letter';
import { Detection } from './detection';
import { VigilEvent } from './event';
import { OcsfFinding } from './ocsf-finding';

/** Every stream, its schema and its key. Producers and consumers validate against the same entry. */
export const TOPICS = {
  events: { name: 'vigil.events', schema: VigilEvent, key: 'entity' },
  eventsDlq: { name: 'vigil.events.dlq', schema: DeadLetter, key: 'source' },
  detections: { name: 'vigil.detections', schema: Detection, key: 'dedupKey' },
  detectionsDlq: { name: 'vigil.detections.dlq', schema: DeadLetter, key: 'stage' },
  /** OCSF 1.3.0 Incident (2005) and Detection (2004) findings, keyed by incident id (docs/findings.md). */
  findingsOcsf: { name: 'vigil.findings.ocsf', schema: OcsfFinding, key: 'incidentId' },
} as const satisfies Record<string, { name: string; schema: z.ZodType; key: string }>;

export type TopicId = keyof typeof TOPICS;
export type TopicMessage<T extends TopicId> = z.infer<(typeof TOPICS)[T]['schema']>;

/** Topic names with an optional prefix, so tests and tenants can share one cluster. */
export type TopicNames = { readonly [K in TopicId]: string };

export function topicNames(prefix = ''): TopicNames {
  const names = {} as Record<TopicId, string>;
  for (const id of Object.keys(TOPICS) as TopicId[]) names[id] = `${prefix}${TOPICS[id].name}`;
  return names;
}
