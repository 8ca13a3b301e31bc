import { ManualClock } from '@vigil/runtime';
import { Criterion, Detection, VigilEvent } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { describe, expect, test } from '../../../test/fixtures/services';
import { catalog } from './catalog';
import { detectionId } from './detection-builder';
import { createDetector } from './detector';
import type { Rule, RuleFixture } from './rule';
import { asMessages } from './test-support';

describe('rule catalog', () => {
  test('rule ids are unique and every rule is fully described', () => {
    expect(new Set(catalog.map((r) => r.id)).size).toBe(catalog.length);
    for (const rule of catalog) {
      expect(rule.id, rule.id).toMatch(/^[a-z]+\.[a-z0-9-]+$/);
      expect(rule.version, rule.id).toBeGreaterThanOrEqual(1);
      expect(rule.title.length, rule.id).toBeGreaterThan(0);
      expect(rule.description.length, rule.id).toBeGreaterThan(0);
      expect(rule.criteria.length, rule.id).toBeGreaterThan(0);
      for (const criterion of rule.criteria)
        expect(Criterion.safeParse(criterion).success, `${rule.id} ${criterion}`).toBe(true);
      expect(rule.fixtures.positive.length, `${rule.id} positive fixtures`).toBeGreaterThan(0);
      expect(rule.fixtures.negative.length, `${rule.id} negative fixtures`).toBeGreaterThan(0);
      for (const fixture of [...rule.fixtures.positive, ...rule.fixtures.negative]) {
        for (const event of fixture.events) expect(VigilEvent.parse(event)).toEqual(event);
      }
    }
  });
});

/** What a fixture's expectation means as detections: ids are derived exactly as the rules derive them. */
function expectedDetections(rule: Rule, fixture: RuleFixture) {
  return fixture.expected.map((expected) => {
    const trigger = fixture.events.find((e) => e.id === expected.triggerEventId);
    if (!trigger) throw new Error(`${fixture.name}: no event ${expected.triggerEventId}`);
    const dedupKey = rule.dedupKey(trigger);
    const suffix = expected.status === 'resolved' ? 'resolved' : undefined;
    return expect.objectContaining({
      id: detectionId(rule.id, dedupKey, expected.triggerEventId, suffix),
      status: expected.status,
      dedupKey,
      ...(expected.attributes ? { attributes: expect.objectContaining(expected.attributes) } : {}),
    });
  });
}

describe.each(catalog.map((rule) => [rule.id, rule] as const))('%s fixtures on Redis', (_id, rule) => {
  const cases = [
    ...rule.fixtures.positive.map((fixture) => ({ verdict: 'fires', name: fixture.name, fixture })),
    ...rule.fixtures.negative.map((fixture) => ({ verdict: 'stays silent', name: fixture.name, fixture })),
  ];
  test.for(cases)('$verdict: $name', async ({ fixture }, { redis, uid }) => {
    const clock = new ManualClock();
    const detector = createDetector({
      redis,
      keyPrefix: `${uid}:`,
      rules: [rule],
      clock,
      logger: silentLogger,
    });
    const messages = asMessages(fixture.events);

    const first = await detector.processBatch(messages);
    expect(first.detections).toEqual(expectedDetections(rule, fixture));
    expect(first.late).toEqual([]);
    for (const detection of first.detections) expect(Detection.parse(detection)).toEqual(detection);

    // The consumer died before committing: the same batch again, later, repeats exactly what it said.
    clock.advance(90_000);
    const redelivered = await detector.processBatch(messages);
    expect(redelivered.detections).toEqual(first.detections);
  });
});
