import { describe, expect, it } from 'vitest';
import { Detection } from './detection';
import { exactDetection } from './detection-check';

/** A detection as rules build it: keys in their own order, not the schema's. */
const base = {
  id: 'identity.brute-force:user:ada@example.com:okta:9',
  ruleVersion: 2,
  ruleId: 'identity.brute-force',
  dedupKey: 'identity.brute-force:user:ada@example.com',
  status: 'firing',
  title: 'Repeated failed sign-ins for ada@example.com',
  summary: '6 failed sign-ins in 10m.',
  severity: 'SEV2',
  category: 'security',
  criteria: ['CC7.2', 'CC7.3'],
  entity: { id: 'ada@example.com', type: 'user' },
  ownerKey: 'okta',
  detectedAt: '2026-12-03T18:01:00.000Z',
  firstEventAt: '2026-12-03T18:00:00.000Z',
  evidence: [{ time: '2026-12-03T18:00:00.000Z', offset: '41', partition: 3, topic: 'vigil.events', eventId: 'okta:9' }],
  attributes: { sourceIp: '203.0.113.7', count: 6, flag: true, none: null },
  ruleConfig: { rulesHash: 'a'.repeat(64), parameters: { threshold: 5, window: 600000, nested: { list: [1, 'two', null, false] } } },
  burst: { continuation: false, events: 6, id: 'okta:9' },
  observed: { userAgents: ['curl/8'], ips: ['203.0.113.7'] },
};

/** Changes to the detection, each as zod judges it; the hand check must never say yes where zod would say no or change it. */
const VARIANTS: Record<string, (d: Record<string, unknown>) => unknown> = {
  'as built': (d) => d,
  'no optional parts': ({ ruleConfig: _r, burst: _b, observed: _o, ...d }) => d,
  'optional parts undefined': (d) => ({ ...d, ruleConfig: undefined, burst: undefined, observed: undefined }),
  'attributes missing (zod fills a default)': ({ attributes: _a, ...d }) => d,
  'an unknown key (zod strips it)': (d) => ({ ...d, extra: 1 }),
  'an unknown key in a ref': (d) => ({ ...d, evidence: [{ ...(d.evidence as object[])[0], more: 1 }] }),
  'an unknown key in the burst': (d) => ({ ...d, burst: { ...(d.burst as object), more: 1 } }),
  'payloads present': (d) => ({ ...d, payloads: [] }),
  'NUL in the title': (d) => ({ ...d, title: 'a\u0000b' }),
  'lone surrogate in the summary': (d) => ({ ...d, summary: 'x\ud800' }),
  'lone surrogate in an attribute key': (d) => ({ ...d, attributes: { 'k\udc00': 'v' } }),
  'lone surrogate in a parameter (plain JSON allows it)': (d) => ({ ...d, ruleConfig: { parameters: { k: 'x\ud800' } } }),
  'an emoji is fine': (d) => ({ ...d, title: 'alert \ud83d\udea8' }),
  'empty title': (d) => ({ ...d, title: '' }),
  'empty summary': (d) => ({ ...d, summary: '' }),
  'id of 700': (d) => ({ ...d, id: 'x'.repeat(700) }),
  'id of 701': (d) => ({ ...d, id: 'x'.repeat(701) }),
  'dedup key of 601': (d) => ({ ...d, dedupKey: 'x'.repeat(601) }),
  'empty rule id': (d) => ({ ...d, ruleId: '' }),
  'rule version 0': (d) => ({ ...d, ruleVersion: 0 }),
  'rule version 1.5': (d) => ({ ...d, ruleVersion: 1.5 }),
  'rule version 2^53': (d) => ({ ...d, ruleVersion: 2 ** 53 }),
  'status open': (d) => ({ ...d, status: 'open' }),
  'no criteria': (d) => ({ ...d, criteria: [] }),
  'a criterion that is not one': (d) => ({ ...d, criteria: ['CC7.22'] }),
  'every criterion family': (d) => ({ ...d, criteria: ['CC1.1', 'A1.2', 'C1.1', 'PI1.3', 'P4.1'] }),
  'category finance': (d) => ({ ...d, category: 'finance' }),
  'severity SEV5': (d) => ({ ...d, severity: 'SEV5' }),
  'entity type host': (d) => ({ ...d, entity: { type: 'host', id: 'x' } }),
  'entity id of 513': (d) => ({ ...d, entity: { type: 'user', id: 'x'.repeat(513) } }),
  'empty owner key': (d) => ({ ...d, ownerKey: '' }),
  'time with an offset': (d) => ({ ...d, firstEventAt: '2026-12-03T19:00:00+01:00' }),
  'time without millis': (d) => ({ ...d, detectedAt: '2026-12-03T18:01:00Z' }),
  'time that is no day': (d) => ({ ...d, detectedAt: '2026-02-30T18:01:00.000Z' }),
  'absurd year': (d) => ({ ...d, firstEventAt: '+275760-09-13T00:00:00.000Z' }),
  'no evidence': (d) => ({ ...d, evidence: [] }),
  'negative partition': (d) => ({ ...d, evidence: [{ eventId: 'e', topic: 't', partition: -1, offset: '1', time: '2026-12-03T18:00:00.000Z' }] }),
  'offset not digits': (d) => ({ ...d, evidence: [{ eventId: 'e', topic: 't', partition: 0, offset: '-1', time: '2026-12-03T18:00:00.000Z' }] }),
  'empty event id': (d) => ({ ...d, evidence: [{ eventId: '', topic: 't', partition: 0, offset: '1', time: '2026-12-03T18:00:00.000Z' }] }),
  'attribute Infinity': (d) => ({ ...d, attributes: { n: Infinity } }),
  'attribute NaN': (d) => ({ ...d, attributes: { n: NaN } }),
  'attribute object': (d) => ({ ...d, attributes: { n: { deep: 1 } } }),
  'attribute __proto__': (d) => ({ ...d, attributes: JSON.parse('{"__proto__": "x"}') as unknown }),
  'rules hash not hex': (d) => ({ ...d, ruleConfig: { parameters: {}, rulesHash: 'Z'.repeat(64) } }),
  'parameters missing': (d) => ({ ...d, ruleConfig: { rulesHash: 'a'.repeat(64) } }),
  'parameter Infinity': (d) => ({ ...d, ruleConfig: { parameters: { n: Infinity } } }),
  'parameter undefined': (d) => ({ ...d, ruleConfig: { parameters: { n: undefined } } }),
  'parameter a function': (d) => ({ ...d, ruleConfig: { parameters: { n: () => 1 } } }),
  'parameter a date': (d) => ({ ...d, ruleConfig: { parameters: { n: new Date(0) } } }),
  'parameters nested 40 deep': (d) => {
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = { d: deep };
    return { ...d, ruleConfig: { parameters: { deep } } };
  },
  'burst of 0 events': (d) => ({ ...d, burst: { id: 'b', events: 0, continuation: true } }),
  'burst id of 301': (d) => ({ ...d, burst: { id: 'x'.repeat(301), events: 1, continuation: true } }),
  'burst continuation as a string': (d) => ({ ...d, burst: { id: 'b', events: 1, continuation: 'true' } }),
  '51 observed IPs': (d) => ({ ...d, observed: { ips: Array.from({ length: 51 }, (_, i) => `10.0.0.${i}`), userAgents: [] } }),
  'an observed IP of 65': (d) => ({ ...d, observed: { ips: ['1'.repeat(65)], userAgents: [] } }),
  'a user agent of 257': (d) => ({ ...d, observed: { ips: [], userAgents: ['a'.repeat(257)] } }),
  'an array, not an object': () => [base],
  'null': () => null,
  'a class instance': (d) => Object.assign(Object.create({ inherited: 1 }) as object, d),
};

describe('exactDetection', () => {
  it.each(Object.entries(VARIANTS))('%s: a yes only where zod accepts it unchanged, in the same bytes', (_name, change) => {
    const value = change(copy());
    const exact = exactDetection(value);
    const judged = Detection.safeParse(value);
    if (exact !== undefined) {
      expect(judged.success).toBe(true);
      expect(JSON.stringify(exact)).toBe(JSON.stringify(judged.data));
    }
  });

  it('answers for the shapes rules build, with keys in the schema order', () => {
    for (const name of ['as built', 'no optional parts', 'optional parts undefined', 'lone surrogate in a parameter (plain JSON allows it)', 'an emoji is fine', 'empty summary', 'id of 700', 'every criterion family', 'time with an offset']) {
      const value = VARIANTS[name]!(copy());
      expect(exactDetection(value), name).toBeDefined();
    }
    const exact = exactDetection(base);
    expect(Object.keys(exact!)).toEqual(Object.keys(Detection.parse(base)));
    expect(Object.keys(exact!.evidence[0]!)).toEqual(['eventId', 'topic', 'partition', 'offset', 'time']);
  });

  it('leaves to zod what zod refuses or changes', () => {
    for (const name of ['attributes missing (zod fills a default)', 'an unknown key (zod strips it)', 'NUL in the title', 'attribute Infinity', 'rule version 2^53', 'time that is no day', 'parameters nested 40 deep', 'a class instance']) {
      expect(exactDetection(VARIANTS[name]!(copy())), name).toBeUndefined();
    }
  });
});

/** A fresh copy of the base detection, for a variant to change. */
function copy(): Record<string, unknown> {
  return structuredClone(base) as Record<string, unknown>;
}
