import { Detection } from '@vigil/schema';
import { describe, expect, it, vi } from 'vitest';
import type { CountInWindowResult, WindowCrossing } from '../count-in-window';
import { MINUTE, fixtureTime, signIn } from '../fixture-events';
import { position, stubContext as baseContext } from '../test-support';
import { bruteForceRule, type BruteForceParameters } from './brute-force.rule';

const failure = signIn({
  id: 'f5',
  user: 'alice@example.com',
  at: 4 * MINUTE,
  outcome: 'failure',
  ip: '198.51.100.9',
});

/** Pure-logic stub: answers countInWindow with a canned result and records what it was asked. */
function stubContext(result: CountInWindowResult, params: BruteForceParameters = bruteForceRule.params) {
  const countInWindow = vi.fn(() => Promise.resolve(result));
  const ctx = { ...baseContext(bruteForceRule, { countInWindow }, position(4)), params };
  return { ctx, countInWindow };
}

const crossing: WindowCrossing = {
  triggerEventId: 'okta:f5',
  triggerTimeMs: Date.parse(fixtureTime(4 * MINUTE)),
  windowEndMs: Date.parse(fixtureTime(4 * MINUTE)),
  count: 5,
  firstEventMs: Date.parse(fixtureTime(0)),
  detectedAtMs: Date.parse('2026-01-01T00:00:00Z'),
  windowMs: 10 * MINUTE,
  threshold: 5,
  evidence: [
    { eventId: 'okta:f1', topic: 'vigil.events', partition: 0, offset: '0', time: fixtureTime(0) },
    { eventId: 'okta:f5', topic: 'vigil.events', partition: 0, offset: '4', time: fixtureTime(4 * MINUTE) },
  ],
  observed: { ips: ['198.51.100.9'], userAgents: [] },
};

describe('identity.brute-force', () => {
  it('matches failed sign-ins of users only', () => {
    expect(bruteForceRule.match(failure, bruteForceRule.params)).toBe(true);
    expect(bruteForceRule.match({ ...failure, outcome: 'success' }, bruteForceRule.params)).toBe(false);
    expect(bruteForceRule.match({ ...failure, outcome: 'unknown' }, bruteForceRule.params)).toBe(false);
    expect(
      bruteForceRule.match({ ...failure, entity: { type: 'ip', id: '198.51.100.9' } }, bruteForceRule.params),
    ).toBe(false);
    expect(bruteForceRule.match({ ...failure, kind: 'account_change' }, bruteForceRule.params)).toBe(false);
  });

  it('asks for a count with its parameters: 5 in 10 minutes by default', async () => {
    const { ctx, countInWindow } = stubContext({ kind: 'counted', count: 1, inEpisode: false });
    expect(await bruteForceRule.evaluate(failure, ctx)).toEqual({ detections: [] });
    expect(countInWindow).toHaveBeenCalledWith({
      windowMs: 10 * MINUTE,
      latenessMs: 5 * MINUTE,
      threshold: 5,
      maxEvidence: 50,
    });
  });

  it('turns a crossing into one firing detection with the window as evidence', async () => {
    const { ctx } = stubContext({ kind: 'crossed', crossing, replayed: false });
    const { detections } = await bruteForceRule.evaluate(failure, ctx);
    expect(detections).toHaveLength(1);
    const detection = Detection.parse(detections[0]);
    expect(detection).toMatchObject({
      id: 'identity.brute-force:identity.brute-force:user:alice@example.com:okta:f5',
      ruleId: 'identity.brute-force',
      ruleVersion: 1,
      status: 'firing',
      criteria: ['CC7.2', 'CC7.3'],
      category: 'security',
      severity: 'SEV2',
      dedupKey: 'identity.brute-force:user:alice@example.com',
      entity: { type: 'user', id: 'alice@example.com' },
      firstEventAt: fixtureTime(0),
      detectedAt: '2026-01-01T00:00:00.000Z',
      evidence: crossing.evidence,
      attributes: { failedSignIns: 5, threshold: 5, windowSeconds: 600, sourceIp: '198.51.100.9' },
    });
    expect(detection.summary).toBe('5 failed sign-ins for user alice@example.com within 10m (threshold 5).');
  });

  it('builds the same detection from a replayed crossing', async () => {
    const fresh = await bruteForceRule.evaluate(
      failure,
      stubContext({ kind: 'crossed', crossing, replayed: false }).ctx,
    );
    const replay = await bruteForceRule.evaluate(
      failure,
      stubContext({ kind: 'crossed', crossing, replayed: true }).ctx,
    );
    expect(replay).toEqual(fresh);
  });

  it('says why a late failure was not counted', async () => {
    const newestMs = Date.parse(fixtureTime(20 * MINUTE));
    const verdict = await bruteForceRule.evaluate(failure, stubContext({ kind: 'late', newestMs }).ctx);
    expect(verdict.detections).toEqual([]);
    expect(verdict.late).toBe(
      `event time ${fixtureTime(4 * MINUTE)} is 16m behind the newest event for user:alice@example.com ` +
        `(${fixtureTime(20 * MINUTE)}); the allowed lateness is 5m`,
    );
  });

  it('emits nothing for a duplicate delivery', async () => {
    expect(await bruteForceRule.evaluate(failure, stubContext({ kind: 'duplicate' }).ctx)).toEqual({
      detections: [],
    });
  });

  it('validates its parameters, accepting durations as text', () => {
    expect(bruteForceRule.parameters.parse({ threshold: 10, window: '15m', allowedLateness: '90s' })).toEqual(
      {
        threshold: 10,
        window: 15 * MINUTE,
        allowedLateness: 90_000,
        maxEvidence: 50,
      },
    );
    expect(bruteForceRule.parameters.safeParse({ threshold: 0 }).success).toBe(false);
    expect(bruteForceRule.parameters.safeParse({ windw: '10m' }).success).toBe(false);
  });
});

describe('identity.brute-force and AWS root', () => {
  it('counts failed root console sign-ins, keyed by the account, and says so', async () => {
    const root = {
      ...signIn({ id: 'r5', user: 'arn:aws:iam::111122223333:root', at: 4 * MINUTE, outcome: 'failure', source: 'aws' }),
      entity: { type: 'account' as const, id: '111122223333' },
      attributes: { 'vigil.root': true },
    };
    expect(bruteForceRule.match(root, bruteForceRule.params)).toBe(true);
    // An account-keyed failure that is not root (e.g. an unnamed identity) is not a user's sign-in.
    expect(bruteForceRule.match({ ...root, attributes: {} }, bruteForceRule.params)).toBe(false);
    const { ctx } = stubContext({ kind: 'crossed', crossing: { ...crossing, triggerEventId: root.id }, replayed: false });
    const { detections } = await bruteForceRule.evaluate(root, ctx);
    expect(detections[0]?.dedupKey).toBe('identity.brute-force:account:111122223333');
    expect(detections[0]?.summary).toContain('failed sign-ins for the root user of account 111122223333');
  });
});
