import { OCSF_CLASS_BY_KIND, type Outcome, type VigilEvent } from '@vigil/schema';

/**
 * Fixture events start here: an hour before `ManualClock`'s default reading, so a detector on a
 * default manual clock takes them as recent rather than from the future.
 */
export const FIXTURE_EPOCH_MS = Date.parse('2025-12-31T23:00:00.000Z');

export const SECOND = 1_000;
export const MINUTE = 60_000;

/** An event time `offsetMs` after the fixture epoch. */
export function fixtureTime(offsetMs: number): string {
  return new Date(FIXTURE_EPOCH_MS + offsetMs).toISOString();
}

interface FixtureEventSpec {
  id: string;
  /** Milliseconds after the fixture epoch. */
  at: number;
  outcome: Outcome;
}

/** A sign-in as the Okta normaliser produces it. */
export function signIn(spec: FixtureEventSpec & { user: string; ip?: string }): VigilEvent {
  const time = fixtureTime(spec.at);
  return {
    id: `okta:${spec.id}`,
    source: 'okta',
    kind: 'authentication',
    action: 'user.session.start',
    ocsfClassUid: OCSF_CLASS_BY_KIND.authentication,
    time,
    receivedAt: time,
    entity: { type: 'user', id: spec.user },
    outcome: spec.outcome,
    actor: { user: spec.user, ip: spec.ip ?? '203.0.113.7' },
    attributes: {},
    raw: { uuid: spec.id },
  };
}

/** One probe result for a service. */
export function uptimeCheck(spec: FixtureEventSpec & { service: string; region?: string }): VigilEvent {
  const time = fixtureTime(spec.at);
  return {
    id: `prober:${spec.id}`,
    source: 'prober',
    kind: 'uptime_check',
    action: 'http.check',
    ocsfClassUid: OCSF_CLASS_BY_KIND.uptime_check,
    time,
    receivedAt: time,
    entity: { type: 'service', id: spec.service },
    outcome: spec.outcome,
    actor: {},
    attributes: { region: spec.region ?? 'eu-west-1' },
    raw: { check: spec.id },
  };
}
