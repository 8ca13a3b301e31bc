import { describe, expect, test } from 'vitest';
import { encode } from '@vigil/bus';
import { Detection, type VigilEvent } from '@vigil/schema';
import { RecentEvents, encodeDetection, toEvidencePayload, type EventTexts } from './evidence-capture';

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

const DEEP = '['.repeat(10_000) + '"bottom"' + ']'.repeat(10_000);

/** An event as a Vigil producer writes it (`encode`); a raw of 'DEEP' becomes 10,000 nested arrays, as a record could hold. */
function written(e: VigilEvent): string {
  return e.raw === 'DEEP' ? JSON.stringify(e).replace('"raw":"DEEP"', `"raw":${DEEP}`) : (encode('events', 'k', e).value as string);
}

/** Events as the detector holds them: the text its consumer read. */
function texts(events: VigilEvent[]): EventTexts & { map: Map<string, string> } {
  const map = new Map(events.map((e) => [e.id, written(e)]));
  return { map, text: (id) => map.get(id) };
}

function detection(ids: number[], extra: Partial<Detection> = {}): Detection {
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
    ...extra,
  });
}

/** How detections were written before: payloads parsed from the texts, cut, and the whole validated by `encode`. */
function encodedTheOldWay(d: Detection, events: EventTexts, ids: string[]): string {
  const payloads = ids.map((id) => toEvidencePayload(JSON.parse(events.text(id)!) as VigilEvent));
  return encode('detections', d.dedupKey, payloads.length > 0 ? { ...d, payloads } : d).value as string;
}

const carriedIds = (value: string) => (JSON.parse(value) as Detection).payloads?.map((p) => p.event.id);

describe('evidence capture in the detector', () => {
  test('recent events are kept up to their byte budget, oldest out first', () => {
    const recent = new RecentEvents(1200);
    for (let n = 1; n <= 5; n++) recent.remember(`okta:${n}`, text(event(n)));
    expect([1, 2, 3, 4, 5].map((n) => recent.text(`okta:${n}`) !== undefined)).toEqual([false, false, true, true, true]);
    recent.remember('okta:99', text(event(99), 10_000));
    expect(recent.text('okta:99')).toBeUndefined();
    expect(recent.size).toBe(3);
  });

  test('an event remembered again counts once and becomes the newest; the oldest others go first', () => {
    const recent = new RecentEvents(1200);
    for (const n of [1, 2, 3, 1, 1, 4]) recent.remember(`okta:${n}`, text(event(n)));
    expect([1, 2, 3, 4].map((n) => recent.text(`okta:${n}`) !== undefined)).toEqual([true, false, true, true]);
    expect(recent.size).toBe(3);
    for (let round = 0; round < 5_000; round++) recent.remember(`okta:${round % 3}`, text(event(round % 3)));
    expect(recent.size).toBe(3);
    // Remembering the same few again and again does not grow the ring of places.
    const roomy = new RecentEvents(1_000_000);
    for (let round = 0; round < 50_000; round++) roomy.remember(`okta:${round % 3}`, text(event(round % 3)));
    expect(roomy.size).toBe(3);
    expect(roomy.slots).toBeLessThanOrEqual(4096);
    expect([0, 1, 2].every((n) => recent.text(`okta:${n}`) !== undefined)).toBe(true);
  });

  test('over many thousands of events, some remembered again, it keeps exactly the newest that fit its budget', () => {
    // The reference: a plain list, newest last, an id remembered again moved to the end.
    const budget = 50_000;
    // Places start again at 0 every 3,000 or so remembers here, as they would after about 10^9 in a detector.
    const recent = new RecentEvents(budget, 3_000);
    let reference: Array<{ id: string; length: number }> = [];
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    for (let step = 0; step < 20_000; step++) {
      // Mostly new ids, some ids from the last few hundred again, sizes from 10 to 400 characters.
      const id = random() < 0.2 ? `e${Math.max(0, step - Math.floor(random() * 400))}` : `e${step}`;
      const length = 10 + Math.floor(random() * 390);
      recent.remember(id, 'x'.repeat(length));
      reference = reference.filter((e) => e.id !== id);
      reference.push({ id, length });
      let total = reference.reduce((sum, e) => sum + e.length, 0);
      while (total > budget) total -= reference.shift()!.length;
      if (step % 1_000 === 999) {
        expect(recent.size).toBe(reference.length);
        expect(reference.every((e) => recent.text(e.id)?.length === e.length)).toBe(true);
        expect(recent.text(`e${step - 5_000}`) === undefined || reference.some((e) => e.id === `e${step - 5_000}`)).toBe(true);
      }
    }
  });

  test('a detection carries the events it still finds, within its limits, and passes its own schema', () => {
    const events = texts([1, 2, 3, 4, 5, 6].map((n) => event(n)));
    const carried = encodeDetection(detection([1, 2, 3, 4, 5, 6, 7]), events, undefined, { perEnd: 2, totalBytes: 100_000 });
    expect(carriedIds(carried.value as string)).toEqual(['okta:1', 'okta:2', 'okta:6']);
    const parsed = JSON.parse(carried.value as string) as Detection;
    expect(Detection.parse(parsed)).toEqual(parsed);
    expect(carried.key).toBe('identity.brute-force:user:alice@example.com');
    expect(carriedIds(encodeDetection(detection([7]), events).value as string)).toBeUndefined();
  });

  test('the record is the same bytes as validating and writing the whole detection, whatever fields it has', () => {
    const events = texts([event(1, { nested: { list: [1, 'two', null], text: 'é "quoted" \\ \u2028' } }), event(2)]);
    const shapes: Array<Partial<Detection>> = [
      {},
      { attributes: { sourceIp: '203.0.113.9', count: 3, flag: true, none: null } },
      { ruleConfig: { parameters: { threshold: 5 }, rulesHash: 'a'.repeat(64) } },
      { burst: { id: 'okta:1', events: 7, continuation: true }, observed: { ips: ['203.0.113.9'], userAgents: ['curl'] } },
      { title: 'x"payloads":0', summary: '"payloads":[1],"evidence":[]' },
    ];
    for (const extra of shapes) {
      const d = detection([1, 2, 3], extra);
      const headers = { traceparent: '00-abc' };
      const carried = encodeDetection(d, events, headers);
      expect(carried.value).toBe(encodedTheOldWay(d, events, ['okta:1', 'okta:2']));
      expect(carried.headers).toEqual(headers);
    }
    // A detection that finds none of its events is written exactly as `encode` writes it.
    const alone = detection([3]);
    expect(encodeDetection(alone, events).value).toBe(encode('detections', alone.dedupKey, alone).value);
  });

  test('a detection the schema refuses is refused, payloads or not', () => {
    const events = texts([event(1)]);
    const bad = { ...detection([1]), title: '' };
    expect(() => encodeDetection(bad, events)).toThrow();
    expect(() => encodeDetection({ ...bad, evidence: [] }, events)).toThrow();
  });

  test('a huge or deeply nested raw payload is cut to a prefix with its size and hash; the byte budget holds', () => {
    // Within the byte limit, but nested past the depth limit by only a little: the text is not carried as it is.
    let shallow: unknown = 'bottom';
    for (let i = 0; i < 70; i++) shallow = [shallow];
    const events = texts([event(1, { blob: 'x'.repeat(200_000) }), event(2, 'DEEP'), event(3), event(4, shallow)]);
    const carried = JSON.parse(encodeDetection(detection([1, 2, 3, 4]), events).value as string) as Detection;
    const [first, second, third, fourth] = carried.payloads ?? [];
    expect(first?.rawCapped).toMatchObject({ bytes: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(typeof first?.event.raw).toBe('string');
    expect(second?.rawCapped?.reason).toMatch(/nested deeper/);
    expect(third?.rawCapped).toBeUndefined();
    expect(fourth?.rawCapped?.reason).toMatch(/nested deeper/);
    expect(Buffer.byteLength(JSON.stringify(carried))).toBeLessThan(1024 * 1024);
    expect(encodeDetection(detection([1, 2, 3, 4]), events).value).toBe(
      encodedTheOldWay(detection([1, 2, 3, 4]), events, ['okta:1', 'okta:2', 'okta:3', 'okta:4']),
    );

    const tight = encodeDetection(detection([1, 2, 3]), events, undefined, { perEnd: 10, totalBytes: 1000 });
    expect(carriedIds(tight.value as string)).toEqual(['okta:3']);
  });
});
