import { describe, expect, it } from 'vitest';
import { genericNormalizer, MAX_BATCH_ITEMS } from './generic-normalizer';
import { genericEvent } from './testing/samples';

const ctx = { source: 'scripts', receivedAt: '2026-11-22T10:00:02.000Z' };

describe('generic normaliser', () => {
  it('prefixes the id with the source and keeps the raw item', () => {
    const result = genericNormalizer.normalize(genericEvent(), ctx);
    expect(result.ok && result.event).toMatchObject({
      id: 'scripts:evt-1',
      kind: 'authentication',
      ocsfClassUid: 3002,
      time: '2026-11-22T10:00:00.000Z',
      entity: { type: 'user', id: 'bob@example.com' },
      outcome: 'failure',
      raw: genericEvent(),
    });
  });

  it('reports every bad field with its path, and unknown fields', () => {
    const result = genericNormalizer.normalize(
      genericEvent({ kind: 'login', time: 'yesterday', entity: { type: 'user' }, colour: 'red' }),
      ctx,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path).sort()).toEqual(['(root)', 'entity.id', 'kind', 'time']);
  });

  it('accepts one event, an array, or {events: [...]} and bounds batch size', () => {
    expect(genericNormalizer.split(genericEvent())).toEqual({ ok: true, items: [genericEvent()] });
    expect(genericNormalizer.split([1, 2])).toEqual({ ok: true, items: [1, 2] });
    expect(genericNormalizer.split({ events: [1] })).toEqual({ ok: true, items: [1] });
    expect(genericNormalizer.split([]).ok).toBe(false);
    expect(genericNormalizer.split('text').ok).toBe(false);
    const huge = genericNormalizer.split(new Array(MAX_BATCH_ITEMS + 1).fill(0));
    expect(huge.ok).toBe(false);
  });
});
