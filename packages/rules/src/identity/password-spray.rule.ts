import type { Detection, VigilEvent } from '@vigil/schema';
import { z } from 'zod';
import type { DistinctCrossing } from '../distinct-count';
import { detectionBase, detectionId, isoTime } from '../detection-builder';
import { Duration, formatDuration } from '../duration';
import { MINUTE } from '../fixture-events';
import { lateReason } from '../lateness';
import { NO_DETECTIONS, defineRule, type Rule } from '../rule';
import { passwordSprayFixtures } from './password-spray.fixtures';

export const PasswordSprayParameters = z.strictObject({
  /** Distinct users with failed sign-ins from one IP within `window` that make it fire. */
  distinctUsers: z.number().int().min(2).max(100_000).default(10),
  window: Duration.default(10 * MINUTE),
  /** How far behind the IP's newest failure a failure may arrive and still count. */
  allowedLateness: Duration.default(5 * MINUTE),
  /** Users (one failure each, the newest) kept as evidence; the count covers all of them. */
  maxEvidence: z.number().int().min(1).max(1_000).default(50),
});
export type PasswordSprayParameters = z.infer<typeof PasswordSprayParameters>;

const MAX_USERS_LISTED = 20;

export const passwordSprayRule: Rule<PasswordSprayParameters> = defineRule({
  id: 'identity.password-spray',
  version: 1,
  title: 'Password spray from one IP',
  description:
    'Fires when failed sign-ins for at least `distinctUsers` different users come from one IP within ' +
    '`window` (event time), once per burst. Each user counts once however often it fails, so one ' +
    "user's repeated failures are brute force, not spray.",
  criteria: ['CC7.2', 'CC7.3'],
  category: 'security',
  severity: 'SEV2',
  parameters: PasswordSprayParameters,
  fixtures: passwordSprayFixtures,
  kinds: ['authentication'],
  ownerKey: () => 'identity.password-spray',
  match: (event) => event.outcome === 'failure' && event.actor.ip !== undefined && event.actor.ip !== '',
  dedupKey: (event) => `identity.password-spray:ip:${event.actor.ip ?? ''}`,

  async evaluate(event, ctx) {
    const { params } = ctx;
    const ip = event.actor.ip ?? '';
    const result = await ctx.distinctCount({
      scope: `ip:${ip}`,
      value: userOf(event).toLowerCase(),
      windowMs: params.window,
      latenessMs: params.allowedLateness,
      threshold: params.distinctUsers,
      maxEvidence: params.maxEvidence,
    });
    switch (result.kind) {
      case 'crossed':
        return { detections: [passwordSprayDetection(ctx.rule, event, ip, result.crossing)] };
      case 'late':
        return {
          detections: [],
          late: lateReason(event, `ip:${ip}`, result.newestMs, params.allowedLateness),
        };
      default:
        return NO_DETECTIONS;
    }
  },
});

function userOf(event: VigilEvent): string {
  return event.entity.type === 'user' ? event.entity.id : (event.actor.user ?? event.entity.id);
}

function passwordSprayDetection(
  rule: Rule<PasswordSprayParameters>,
  event: VigilEvent,
  ip: string,
  crossing: DistinctCrossing,
): Detection {
  const base = detectionBase(rule, event, { type: 'ip', id: ip });
  const listed = crossing.values.slice(-MAX_USERS_LISTED);
  return {
    id: detectionId(rule.id, base.dedupKey, crossing.triggerEventId),
    ...base,
    status: 'firing',
    title: `Password spray from ${ip}`,
    summary:
      `Failed sign-ins for ${crossing.count} different users from ${ip} within ` +
      `${formatDuration(crossing.windowMs)} (threshold ${crossing.threshold}).`,
    firstEventAt: isoTime(crossing.firstEventMs),
    detectedAt: isoTime(crossing.detectedAtMs),
    evidence: crossing.evidence,
    attributes: {
      distinctUsers: crossing.count,
      threshold: crossing.threshold,
      windowSeconds: crossing.windowMs / 1000,
      sourceIp: ip,
      users: listed.join(', '),
    },
  };
}
