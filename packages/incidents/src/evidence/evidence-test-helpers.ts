import type { EvidenceRef, VigilEvent } from '@vigil/schema';

/** A failed Okta sign-in by `user`, as ingest normalises it, with a raw payload worth keeping. */
export function failedSignIn(n: number, at: string, user = 'alice@example.com'): VigilEvent {
  return {
    id: `okta:evt-${n}`,
    source: 'okta',
    kind: 'authentication',
    action: 'user.session.start',
    ocsfClassUid: 3002,
    time: at,
    receivedAt: at,
    entity: { type: 'user', id: user },
    outcome: 'failure',
    actor: { user, ip: '203.0.113.9' },
    attributes: { reason: 'INVALID_CREDENTIALS' },
    raw: { uuid: `evt-${n}`, eventType: 'user.session.start', outcome: { result: 'FAILURE' }, big: 12345678901234567000, ratio: 0.1, nested: { deep: [n, 1.5, null] } },
  };
}

/** The evidence refs and payloads of a detection built on `events`, from stream offset `firstOffset` on. */
export function evidenceOf(events: readonly VigilEvent[], firstOffset = 0): { evidence: EvidenceRef[]; payloads: Array<{ event: VigilEvent }> } {
  return {
    evidence: events.map((event, i) => ({ eventId: event.id, topic: 'vigil.events', partition: 1, offset: String(firstOffset + i), time: event.time })),
    payloads: events.map((event) => ({ event })),
  };
}
