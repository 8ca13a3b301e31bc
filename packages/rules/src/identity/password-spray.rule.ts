import type { Detection, VigilEvent } from '@vigil/schema';
import { z } from 'zod';
import type { DistinctCrossing } from '../distinct-count';
import { crossingBurst } from '../burst-detections';
import { detectionBase, detectionId, isoTime } from '../detection-builder';
import { Duration, formatDuration } from '../duration';
import { MINUTE } from '../fixture-events';
import { defineRule, type Rule } from '../rule';
import { passwordSprayFixtures } from './password-spray.fixtures';
import { countFailingUsers, sprayVerdict } from './spray-count';

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
    const result = await countFailingUsers(ctx, event, `ip:${ip}`, params.distinctUsers);
    return sprayVerdict(ctx, event, result, `ip:${ip}`, { type: 'ip', id: ip }, (crossing) => ({
      detections: [passwordSprayDetection(ctx.rule, event, ip, crossing)],
    }));
  },
});

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
    ...crossingBurst(crossing),
    attributes: {
      distinctUsers: crossing.count,
      threshold: crossing.threshold,
      windowSeconds: crossing.windowMs / 1000,
      sourceIp: ip,
      users: listed.join(', '),
    },
  };
}
