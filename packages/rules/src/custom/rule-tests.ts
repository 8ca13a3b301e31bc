import { OCSF_CLASS_BY_KIND, VigilEvent } from '@vigil/schema';
import { FIXTURE_EPOCH_MS } from '../fixture-events';
import type { FixtureStep, RuleFixture, RuleFixtures } from '../rule';
import { asRecord, type FieldPath, type Problems, type RuleDocument } from './rule-source';

const OFFSET = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `90s`, `10m`, `0s`: an offset from the start of a test, in ms. */
function offsetMs(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value * 1000;
  if (typeof value !== 'string') return undefined;
  const match = OFFSET.exec(value.trim());
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : undefined;
}

/** How a firing's id suffix is derived for a test expectation (deadline firings carry their due time). */
export type FiringSuffix = (
  trigger: VigilEvent,
  parameters: Record<string, unknown> | undefined,
) => string | undefined;

/**
 * The inline `tests:` of a rule as fixtures for `runFixture`. A test event is a normalised event
 * with defaults: `at` (offset from the test's start) or `time`, `source` custom, `kind`
 * api_activity, `action` test, `outcome` unknown, `entity` the actor's user; `raw` is the source
 * payload (what Sigma rules read).
 */
export function compileTests(
  doc: RuleDocument,
  node: unknown,
  problems: Problems,
  firingSuffix?: FiringSuffix,
): RuleFixtures {
  const fixtures: RuleFixtures = { positive: [], negative: [] };
  if (node === undefined) return fixtures;
  if (!Array.isArray(node)) {
    problems.at(doc, ['tests'], 'expected a list of tests');
    return fixtures;
  }
  node.forEach((entry, i) => {
    const path = ['tests', i];
    const test = asRecord(entry);
    if (!test || typeof test.name !== 'string') {
      problems.at(doc, path, 'a test needs a name, events and expect');
      return;
    }
    const events = testEvents(doc, [...path, 'events'], test.events, problems);
    const then: FixtureStep[] = [];
    if (test.then !== undefined) {
      if (!Array.isArray(test.then)) problems.at(doc, [...path, 'then'], 'expected a list of steps');
      else
        test.then.forEach((step, j) => {
          const s = asRecord(step);
          const at = [...path, 'then', j];
          if (s && 'tickAt' in s) {
            const ms = offsetMs(s.tickAt);
            if (ms === undefined) problems.at(doc, [...at, 'tickAt'], 'expected an offset such as 2h');
            else then.push({ tickAt: ms });
          } else if (s && 'events' in s)
            then.push({ events: testEvents(doc, [...at, 'events'], s.events, problems) });
          else problems.at(doc, at, 'a step is { events: [...] } or { tickAt: <offset> }');
        });
    }
    const parameters = test.parameters === undefined ? undefined : asRecord(test.parameters);
    if (test.parameters !== undefined && !parameters)
      problems.at(doc, [...path, 'parameters'], 'expected a map');
    const all = [...events, ...then.flatMap((s) => ('events' in s ? s.events : []))];
    if (!Array.isArray(test.expect)) {
      problems.at(doc, [...path, 'expect'], 'expected a list of detections ([] for none)');
      return;
    }
    const expected: RuleFixture['expected'] = [];
    test.expect.forEach((e, j) => {
      const at = [...path, 'expect', j];
      const want = asRecord(e);
      const trigger = all.find((ev) => ev.id === want?.trigger);
      if (!want || !trigger) {
        problems.at(
          doc,
          at,
          'expected { trigger: <id of one of the test events>, status?, attributes?, severity? }',
        );
        return;
      }
      const status = want.status === 'resolved' ? 'resolved' : 'firing';
      const suffix = status === 'firing' ? firingSuffix?.(trigger, parameters) : undefined;
      expected.push({
        status,
        triggerEventId: trigger.id,
        ...(suffix ? { idSuffix: suffix } : {}),
        ...(asRecord(want.attributes) ? { attributes: want.attributes as Record<string, string> } : {}),
        ...(typeof want.severity === 'string' ? { severity: want.severity as 'SEV1' } : {}),
      });
    });
    const fixture: RuleFixture = {
      name: test.name,
      events,
      expected,
      ...(then.length > 0 ? { then } : {}),
      ...(parameters ? { parameters } : {}),
    };
    (expected.length > 0 ? fixtures.positive : fixtures.negative).push(fixture);
  });
  return fixtures;
}

function testEvents(doc: RuleDocument, path: FieldPath, node: unknown, problems: Problems): VigilEvent[] {
  if (!Array.isArray(node) || node.length === 0) {
    problems.at(doc, path, 'expected a non-empty list of events');
    return [];
  }
  const events: VigilEvent[] = [];
  node.forEach((entry, i) => {
    const e = asRecord(entry);
    const at = [...path, i];
    if (!e) {
      problems.at(doc, at, 'expected an event (a map)');
      return;
    }
    const { at: offset, ...rest } = e;
    let time = typeof e.time === 'string' ? e.time : undefined;
    if (time === undefined) {
      const ms = offsetMs(offset ?? 0);
      if (ms === undefined) problems.at(doc, [...at, 'at'], 'expected an offset such as 0s, 90s, 10m');
      time = new Date(FIXTURE_EPOCH_MS + (ms ?? 0)).toISOString();
    }
    const kind = (typeof e.kind === 'string' ? e.kind : 'api_activity') as keyof typeof OCSF_CLASS_BY_KIND;
    const actor = asRecord(e.actor) ?? {};
    const candidate = {
      source: 'custom',
      kind,
      action: 'test',
      ocsfClassUid: OCSF_CLASS_BY_KIND[kind] ?? 0,
      receivedAt: time,
      entity: { type: 'user', id: typeof actor.user === 'string' ? actor.user : 'someone' },
      outcome: 'unknown',
      actor,
      attributes: {},
      raw: null,
      ...rest,
      time,
    };
    const parsed = VigilEvent.safeParse(candidate);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.at(
          doc,
          [...at, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
          issue.message,
        );
      return;
    }
    events.push(parsed.data);
  });
  return events;
}
