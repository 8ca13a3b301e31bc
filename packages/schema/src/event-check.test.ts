import { describe, expect, it } from 'vitest';
import { isExactVigilEvent, isIsoUtcInstant } from './event-check';
import { VigilEvent } from './event';

const base = {
  id: 'okta:abc',
  source: 'okta',
  kind: 'authentication',
  action: 'user.session.start',
  ocsfClassUid: 3002,
  time: '2026-12-03T18:00:00.000Z',
  receivedAt: '2026-12-03T18:00:01.123Z',
  entity: { type: 'user', id: 'ada@example.com' },
  outcome: 'failure',
  actor: { user: 'ada@example.com', ip: '203.0.113.7' },
  attributes: { 'okta.outcome.reason': 'INVALID_CREDENTIALS', count: 3, mfa: false, note: null },
  raw: { uuid: 'abc', nested: [{ deep: '\u0000 is fine in raw' }] },
};

/** Changes to the event, each as zod judges it; the fast check must never say yes where zod would say no or change the value. */
const VARIANTS: Record<string, (e: Record<string, unknown>) => unknown> = {
  'as it is': (e) => e,
  'no raw': ({ raw: _raw, ...e }) => e,
  'raw undefined': (e) => ({ ...e, raw: undefined }),
  'actor empty': (e) => ({ ...e, actor: {} }),
  'actor missing (zod fills a default)': ({ actor: _actor, ...e }) => e,
  'attributes missing (zod fills a default)': ({ attributes: _a, ...e }) => e,
  'an unknown key (zod strips it)': (e) => ({ ...e, extra: 1 }),
  'an unknown entity key': (e) => ({ ...e, entity: { type: 'user', id: 'x', more: 1 } }),
  'an unknown actor key': (e) => ({ ...e, actor: { user: 'x', port: 1 } }),
  'NUL in the id': (e) => ({ ...e, id: 'okta:a\u0000b' }),
  'lone surrogate in the action': (e) => ({ ...e, action: 'login\ud800' }),
  'lone surrogate in an attribute key': (e) => ({ ...e, attributes: { 'k\udc00': 'v' } }),
  'NUL in an attribute value': (e) => ({ ...e, attributes: { k: 'v\u0000' } }),
  'a surrogate pair is fine': (e) => ({ ...e, action: 'login \ud83d\ude00' }),
  'empty id': (e) => ({ ...e, id: '' }),
  'id of 300': (e) => ({ ...e, id: 'x'.repeat(300) }),
  'id of 301': (e) => ({ ...e, id: 'x'.repeat(301) }),
  'entity id of 513': (e) => ({ ...e, entity: { type: 'user', id: 'x'.repeat(513) } }),
  'ip of 65': (e) => ({ ...e, actor: { ip: '1'.repeat(65) } }),
  'bad source name': (e) => ({ ...e, source: 'Okta' }),
  'unknown kind': (e) => ({ ...e, kind: 'login' }),
  'unknown outcome': (e) => ({ ...e, outcome: 'ok' }),
  'unknown entity type': (e) => ({ ...e, entity: { type: 'host', id: 'x' } }),
  'negative class': (e) => ({ ...e, ocsfClassUid: -1 }),
  'fractional class': (e) => ({ ...e, ocsfClassUid: 1.5 }),
  'unsafe integer class': (e) => ({ ...e, ocsfClassUid: 2 ** 60 }),
  'NaN attribute': (e) => ({ ...e, attributes: { n: Number.NaN } }),
  'infinite attribute': (e) => ({ ...e, attributes: { n: Number.POSITIVE_INFINITY } }),
  'object attribute': (e) => ({ ...e, attributes: { o: { a: 1 } } }),
  'array attributes': (e) => ({ ...e, attributes: [] }),
  'time with an offset': (e) => ({ ...e, time: '2026-12-03T19:00:00+01:00' }),
  'time without millis': (e) => ({ ...e, time: '2026-12-03T18:00:00Z' }),
  'absurd time (month 13)': (e) => ({ ...e, time: '2026-13-03T18:00:00.000Z' }),
  'absurd time (Feb 30)': (e) => ({ ...e, time: '2026-02-30T18:00:00.000Z' }),
  'time of year 0': (e) => ({ ...e, time: '0000-01-01T00:00:00.000Z' }),
  'time past year 9999': (e) => ({ ...e, time: '+275760-09-13T00:00:00.000Z' }),
  'time as a number': (e) => ({ ...e, time: 1_790_000_000_000 }),
  'date only': (e) => ({ ...e, receivedAt: '2026-12-03' }),
  'null entity': (e) => ({ ...e, entity: null }),
  'string event': () => 'an event',
  'array event': (e) => [e],
  'class instance': (e) => Object.assign(new (class Event {})(), e),
  'own __proto__ attribute': (e) => ({ ...e, attributes: JSON.parse('{"__proto__": "x"}') as unknown }),
};

describe('isExactVigilEvent', () => {
  it.each(Object.entries(VARIANTS))('agrees with VigilEvent.parse: %s', (_name, change) => {
    const value = change(structuredClone(base));
    const zod = VigilEvent.safeParse(value);
    if (isExactVigilEvent(value)) {
      // Yes only where zod accepts and hands the value back as it is.
      expect(zod.success).toBe(true);
      expect(zod.data).toStrictEqual(value);
    }
  });

  it('says yes to events as the normalisers build them, so they skip zod', () => {
    expect(isExactVigilEvent(base)).toBe(true);
    expect(isExactVigilEvent({ ...base, raw: undefined })).toBe(true);
    expect(isExactVigilEvent({ ...base, actor: {} })).toBe(true);
    expect(isExactVigilEvent({ ...base, time: '2026-12-03T19:00:00+01:00' })).toBe(true);
  });

  it('says no to poison, which zod then explains', () => {
    for (const name of [
      'NUL in the id',
      'lone surrogate in the action',
      'id of 301',
      'absurd time (Feb 30)',
      'NaN attribute',
    ]) {
      const value = (VARIANTS[name] as (e: Record<string, unknown>) => unknown)(structuredClone(base));
      expect(isExactVigilEvent(value), name).toBe(false);
      expect(VigilEvent.safeParse(value).success, name).toBe(false);
    }
  });
});

describe('isIsoUtcInstant', () => {
  /** What the check replaced: the shape, then a round trip through Date. */
  const roundTrips = (text: string) => {
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(text)) return false;
    const ms = Date.parse(text);
    return Number.isFinite(ms) && new Date(ms).toISOString() === text;
  };

  it('agrees with a round trip through Date on every month end, leap years, and clock edges', () => {
    const texts: string[] = [];
    for (const year of ['0000', '1900', '2000', '2024', '2026', '2100', '9999'])
      for (let month = 0; month <= 13; month++)
        for (const day of [0, 1, 28, 29, 30, 31, 32])
          texts.push(`${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T12:00:00.000Z`);
    for (const clock of ['23:59:59.999', '24:00:00.000', '00:60:00.000', '00:00:60.000', '00:00:00.000'])
      texts.push(`2026-12-03T${clock}Z`);
    texts.push('2026-12-03T18:00:00.000', '2026-12-03 18:00:00.000Z', '+02026-12-03T18:00:00.000Z', '2026-12-03T18:00:00.00aZ', '２026-12-03T18:00:00.000Z');
    for (const text of texts) expect(isIsoUtcInstant(text), text).toBe(roundTrips(text));
    expect(texts.filter(isIsoUtcInstant).length).toBeGreaterThan(300);
  });
});
