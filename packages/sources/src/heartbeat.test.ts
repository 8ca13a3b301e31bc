import { describe, expect, it } from 'vitest';
import { genericNormalizer } from './generic-normalizer';
import { genericEvent } from './testing/samples';

const ctx = { source: 'fluent-bit', receivedAt: '2026-11-22T10:00:02.000Z' };
const beat = (entity: unknown) => genericEvent({ id: 'hb-1763805600', kind: 'heartbeat', action: 'heartbeat', entity, outcome: 'success', actor: {}, attributes: {} });

describe('heartbeats', () => {
  it('a heartbeat about the sending source is accepted, keyed source:<name>', () => {
    const result = genericNormalizer.normalize(beat({ type: 'source', id: 'fluent-bit' }), ctx);
    expect(result.ok && result.event).toMatchObject({ id: 'fluent-bit:hb-1763805600', kind: 'heartbeat', ocsfClassUid: 0, entity: { type: 'source', id: 'fluent-bit' } });
  });

  it('a heartbeat naming another entity is refused with the entity path and what to send', () => {
    for (const entity of [{ type: 'source', id: 'okta' }, { type: 'service', id: 'fluent-bit' }]) {
      const result = genericNormalizer.normalize(beat(entity), ctx);
      expect(result).toMatchObject({ ok: false, errors: [{ path: 'entity', message: expect.stringContaining('{"type": "source", "id": "fluent-bit"}') }] });
    }
  });
});
