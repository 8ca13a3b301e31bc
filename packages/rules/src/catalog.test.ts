import { Criterion, Detection, VigilEvent, exactDetection } from '@vigil/schema';
import { describe, expect, test } from '../../../test/fixtures/services';
import { catalog } from './catalog';
import { fixtureEvents, runFixture } from './fixture-runner';

/** The design brief's first catalog, less the response.* rules (they watch incidents, not events). */
const BRIEF_RULES = [
  'availability.service-down',
  'availability.slo-burn',
  'availability.commitment-breach',
  'availability.backup-missed',
  'availability.backup-failed',
  'availability.restore-test-overdue',
  'identity.brute-force',
  'identity.password-spray',
  'identity.mfa-removed',
  'identity.admin-granted',
  'identity.deprovisioned-access',
  'identity.root-or-no-mfa-login',
  'logging.audit-disabled',
  'logging.source-silent',
];
/** Rules added since the first catalog. */
const LATER_RULES = [
  'identity.password-spray-distributed',
  'availability.alerts-down',
  'identity.new-country-signin',
  'identity.role-above-level',
  'identity.token-unknown-ip',
  'identity.token-outside-window',
];

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
        for (const event of fixtureEvents(fixture)) expect(VigilEvent.parse(event)).toEqual(event);
        expect(() => rule.parameters.parse(fixture.parameters ?? {}), fixture.name).not.toThrow();
      }
      expect(rule.parameters.parse({}), `${rule.id} defaults`).toEqual(rule.params);
    }
  });

  test("holds every rule of the brief's first catalog that watches events, and the later ones", () => {
    expect(catalog.map((r) => r.id).sort()).toEqual([...BRIEF_RULES, ...LATER_RULES].sort());
  });

  test('rules that arm deadlines can fire them', () => {
    const arming = [
      'availability.backup-missed',
      'availability.restore-test-overdue',
      'logging.source-silent',
    ];
    expect(
      catalog
        .filter((r) => r.onDeadline)
        .map((r) => r.id)
        .sort(),
    ).toEqual(arming);
  });
});

describe.each(catalog.map((rule) => [rule.id, rule] as const))('%s fixtures on Redis', (_id, rule) => {
  const cases = [
    ...rule.fixtures.positive.map((fixture) => ({ verdict: 'fires', name: fixture.name, fixture })),
    ...rule.fixtures.negative.map((fixture) => ({ verdict: 'stays silent', name: fixture.name, fixture })),
  ];
  test.for(cases)('$verdict: $name', async ({ fixture }, { redis, uid }) => {
    const run = await runFixture(rule, fixture, { redis, keyPrefix: `${uid}:` });
    expect(run.problems).toEqual([]);
    expect(run.detections).toHaveLength(fixture.expected.length);
    // The detector's hand check of a detection answers for every catalog detection, as zod would.
    for (const detection of run.detections) {
      const exact = exactDetection(detection);
      expect(exact, detection.id).toBeDefined();
      expect(JSON.stringify(exact)).toBe(JSON.stringify(Detection.parse(detection)));
    }
  });
});

describe.each(catalog.map((rule) => [rule.id, rule] as const))(
  '%s fixtures with windows in process',
  (_id, rule) => {
    const cases = [...rule.fixtures.positive, ...rule.fixtures.negative].map((fixture) => ({
      name: fixture.name,
      fixture,
    }));
    test.for(cases)(
      'the same detections and late events as on the scripts: $name',
      async ({ fixture }, { redis, uid }) => {
        const local = await runFixture(rule, fixture, {
          redis,
          keyPrefix: `${uid}:local:`,
          localWindows: true,
        });
        const scripts = await runFixture(rule, fixture, { redis, keyPrefix: `${uid}:scripts:` });
        expect(local.problems).toEqual([]);
        expect(JSON.stringify(local.detections)).toBe(JSON.stringify(scripts.detections));
        expect(JSON.stringify(local.late)).toBe(JSON.stringify(scripts.late));
      },
    );
  },
);
