import { describe, expect, test } from 'vitest';
import { Detection, type VigilEvent } from '@vigil/schema';
import { RecentEvents, withPayloads } from './evidence-capture';

function event(n: number, raw: unknown = { n }): VigilEvent {
  return {
    id: `okta:${n}`,
    source: 'okta',
    kind: 'authentication',
    action: 'user.session.start',
    ocsfClassUid: 3002,
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    receivedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    entity: { type: 'user', id: 'alice@example.com' },
    outcome: 'failure',
    actor: {},
    attributes: {},
    raw,
  };
}

/** The event's JSON padded to `size` characters (JSON.parse ignores trailing spaces), so sizes are round. */
function text(e: VigilEvent, size = 400): string {
  const json = JSON.stringify(e);
  if (json.length > size) throw new Error(`event JSON is ${json.length} characters, over ${size}`);
  return json.padEnd(size, ' ');
}

function detection(ids: number[]): Detection {
  return Detection.parse({
    id: 'identity.brute-force:user:alice@example.com:okta:9',
    ruleId: 'identity.brute-force',
    ruleVersion: 1,
    status: 'firing',
    title: 't',
    summary: 's',
    criteria: ['CC7.2'],
    category: 'security',
    severity: 'SEV2',
    dedupKey: 'identity.brute-force:user:alice@example.com',
    entity: { type: 'user', id: 'alice@example.com' },
    ownerKey: 'okta',
    firstEventAt: '2026-01-01T00:00:00.000Z',
    detectedAt: '2026-01-01T00:01:00.000Z',
    evidence: ids.map((n) => ({ eventId: `okta:${n}`, topic: 'vigil.events', partition: 0, offset: String(n), time: event(n).time })),
  });
}

describe('evidence capture in the detector', () => {
  test('recent events are kept up to their byte budget, oldest out first', () => {
    const recent = new RecentEvents(1200);
    for (let n = 1; n <= 5; n++) recent.remember(`okta:${n}`, text(event(n)));
    expect([1, 2, 3, 4, 5].map((n) => recent.get(`okta:${n}`) !== undefined)).toEqual([false, false, true, true, true]);
    recent.remember('okta:99', text(event(99), 10_000));
    expect(recent.get('okta:99')).toBeUndefined();
    expect(recent.size).toBe(3);
  });

  test('an event remembered again counts once and becomes the newest; the oldest others go first', () => {
    const recent = new RecentEvents(1200);
    for (const n of [1, 2, 3, 1, 1, 4]) recent.remember(`okta:${n}`, text(event(n)));
    expect([1, 2, 3, 4].map((n) => recent.get(`okta:${n}`) !== undefined)).toEqual([true, false, true, true]);
    expect(recent.size).toBe(3);
    for (let round = 0; round < 5_000; round++) recent.remember(`okta:${round % 3}`, text(event(round % 3)));
    expect(recent.size).toBe(3);
    expect([0, 1, 2].every((n) => recent.get(`okta:${n}`) !== undefined)).toBe(true);
  });

  test('an event comes back as the event it was, a fresh object each time, kept only as its text', () => {
    const recent = new RecentEvents(1200);
    const original = event(7, { nested: { list: [1, 'two', null] } });
    recent.remember(original.id, JSON.stringify(original));
    const first = recent.get(original.id);
    expect(first).toEqual(original);
    first!.raw = 'changed by a caller';
    expect(recent.get(original.id)).toEqual(original);
  });

  test('a detection carries the events it still finds, within its limits, and passes its own schema', () => {
    const found = new Map([1, 2, 3, 4, 5, 6].map((n) => [`okta:${n}`, event(n)]));
    const carried = withPayloads(detection([1, 2, 3, 4, 5, 6, 7]), (id) => found.get(id), { perEnd: 2, totalBytes: 100_000 });
    expect(carried.payloads?.map((payload) => payload.event.id)).toEqual(['okta:1', 'okta:2', 'okta:6']);
    expect(Detection.parse(carried)).toEqual(carried);
    expect(withPayloads(detection([7]), () => undefined).payloads).toBeUndefined();
  });

  test('a huge or deeply nested raw payload is cut to a prefix with its size and hash; the byte budget holds', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const huge = event(1, { blob: 'x'.repeat(200_000) });
    const nested = event(2, deep);
    const found = new Map([huge, nested, event(3)].map((e) => [e.id, e]));
    const carried = withPayloads(detection([1, 2, 3]), (id) => found.get(id));
    const [first, second, third] = carried.payloads ?? [];
    expect(first?.rawCapped).toMatchObject({ bytes: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(typeof first?.event.raw).toBe('string');
    expect(second?.rawCapped?.reason).toMatch(/nested deeper/);
    expect(third?.rawCapped).toBeUndefined();
    expect(Buffer.byteLength(JSON.stringify(carried))).toBeLessThan(1024 * 1024);

    const tight = withPayloads(detection([1, 2, 3]), (id) => found.get(id), { perEnd: 10, totalBytes: 1000 });
    expect(tight.payloads?.map((payload) => payload.event.id)).toEqual(['okta:3']);
  });
});
