import { MAX_OBSERVED, type Detection } from '@vigil/schema';
import { describe, expect, test } from 'vitest';
import { MAX_CONTINUATION_EVIDENCE, coalesceContinuations } from './burst-detections';

/** The merge as first written, two detections at a time: the specification the fold must match. */
function pairwise(detections: readonly Detection[]): Detection[] {
  const union = (a: readonly string[] = [], b: readonly string[] = []) => [...new Set([...a, ...b])].slice(-MAX_OBSERVED);
  const merge = (earlier: Detection, later: Detection): Detection => {
    const events = Math.max(earlier.burst?.events ?? 0, later.burst?.events ?? 0);
    const seen = new Set<string>();
    const evidence = [...earlier.evidence, ...later.evidence]
      .filter((ref) => !seen.has(ref.eventId) && seen.add(ref.eventId))
      .slice(-MAX_CONTINUATION_EVIDENCE);
    return {
      ...later,
      summary: `${events} events in the burst so far.`,
      firstEventAt: Date.parse(earlier.firstEventAt) < Date.parse(later.firstEventAt) ? earlier.firstEventAt : later.firstEventAt,
      evidence,
      burst: { id: later.burst?.id ?? '', events, continuation: true },
      observed: { ips: union(earlier.observed?.ips, later.observed?.ips), userAgents: union(earlier.observed?.userAgents, later.observed?.userAgents) },
    };
  };
  const merged = new Map<string, Detection>();
  for (const d of detections) {
    const key = d.burst?.continuation ? `burst\u0000${d.dedupKey}\u0000${d.burst.id}` : `id\u0000${d.id}`;
    const earlier = merged.get(key);
    if (earlier) merged.delete(key);
    merged.set(key, earlier ? merge(earlier, d) : d);
  }
  return [...merged.values()];
}

/** A small deterministic generator, so a failure names its seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function detectionsFor(seed: number): Detection[] {
  const next = random(seed);
  const pick = (n: number) => Math.floor(next() * n);
  return Array.from({ length: 1 + pick(400) }, (_, i) => {
    const continuation = next() < 0.85;
    const dedupKey = `identity.brute-force:user:u${pick(3)}`;
    const ids = Array.from({ length: 1 + pick(3) }, () => `e${pick(120)}`);
    return {
      id: `${dedupKey}:${i}${continuation ? ':burst' : ''}`,
      ruleId: 'identity.brute-force',
      ruleVersion: 1,
      status: 'firing',
      title: 'Repeated failed sign-ins',
      summary: 'x',
      criteria: ['CC7.2'],
      category: 'security',
      severity: 'SEV2',
      dedupKey,
      entity: { type: 'user', id: 'u' },
      ownerKey: 'okta',
      firstEventAt: new Date(Date.UTC(2026, 0, 1, 0, pick(5), pick(3))).toISOString(),
      detectedAt: '2026-01-01T01:00:00.000Z',
      evidence: ids.map((eventId) => ({ eventId, topic: 'vigil.events', partition: 0, offset: '1', time: '2026-01-01T00:00:00.000Z' })),
      attributes: {},
      burst: { id: `b${pick(2)}`, events: 1 + pick(60), continuation },
      ...(next() < 0.9 ? { observed: { ips: Array.from({ length: pick(4) }, () => `203.0.113.${pick(40)}`), userAgents: [`ua${pick(30)}`] } } : {}),
    } satisfies Detection;
  });
}

describe('coalescing burst continuations', () => {
  test('folding each group at once gives what merging two at a time gave, over many random batches', () => {
    let merged = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const detections = detectionsFor(seed);
      const expected = pairwise(detections);
      expect(coalesceContinuations(detections), `seed ${seed}`).toEqual(expected);
      merged += detections.length - expected.length;
    }
    // The batches did exercise merging, past the evidence and observed caps.
    expect(merged).toBeGreaterThan(10_000);
  });

  test('a continuation keeps the newest evidence, the most events and the earliest first event', () => {
    const [one, two, three] = detectionsFor(7).filter((d) => d.burst?.continuation).slice(0, 3) as [Detection, Detection, Detection];
    const group = [one, two, three].map((d, i) => ({
      ...d,
      dedupKey: 'k',
      burst: { id: 'b', events: [5, 9, 7][i]!, continuation: true },
      firstEventAt: ['2026-01-01T00:00:02.000Z', '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:03.000Z'][i]!,
      evidence: Array.from({ length: 30 }, (_, j) => ({ ...d.evidence[0]!, eventId: `g${i}-${j}` })),
    }));
    const [out] = coalesceContinuations(group);
    expect(out?.id).toBe(three.id);
    expect(out?.burst).toEqual({ id: 'b', events: 9, continuation: true });
    expect(out?.summary).toBe('9 events in the burst so far.');
    expect(out?.firstEventAt).toBe('2026-01-01T00:00:01.000Z');
    expect(out?.evidence).toHaveLength(MAX_CONTINUATION_EVIDENCE);
    expect(out?.evidence.at(-1)?.eventId).toBe('g2-29');
    expect(out?.evidence[0]?.eventId).toBe('g1-10');
  });
});
