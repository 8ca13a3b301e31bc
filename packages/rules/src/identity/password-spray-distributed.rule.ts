import { TENANT, type Detection, type VigilEvent } from '@vigil/schema';
import { z } from 'zod';
import type { DistinctCrossing } from '../distinct-count';
import { crossingBurst } from '../burst-detections';
import { detectionBase, detectionId, isoTime } from '../detection-builder';
import { Duration, formatDuration } from '../duration';
import { MINUTE } from '../fixture-events';
import { NO_DETECTIONS, defineRule, type Rule } from '../rule';
import { passwordSprayDistributedFixtures } from './password-spray-distributed.fixtures';
import { countFailingUsers, sprayVerdict } from './spray-count';

export const PasswordSprayDistributedParameters = z.strictObject({
  /** Distinct users with failed sign-ins in one tenant within `window` that make it fire. */
  distinctUsers: z.number().int().min(2).max(1_000).default(20),
  /**
   * The failures must come from at least this many source IPs: a spray from fewer addresses is the per-IP
   * rule's (`identity.password-spray`), so one attack does not open two incidents.
   */
  minSourceIps: z.number().int().min(1).max(1_000).default(3),
  window: Duration.default(15 * MINUTE),
  /** How far behind the tenant's newest failure a failure may arrive and still count. */
  allowedLateness: Duration.default(5 * MINUTE),
  /** Users (one failure each, the newest) kept as evidence; at least `distinctUsers`, so the IPs are all seen. */
  maxEvidence: z.number().int().min(1).max(1_000).default(50),
}).refine((p) => p.maxEvidence >= p.distinctUsers, {
  message: 'maxEvidence must be at least distinctUsers (the source IPs are counted over the evidence)',
  path: ['maxEvidence'],
});
export type PasswordSprayDistributedParameters = z.infer<typeof PasswordSprayDistributedParameters>;

const MAX_LISTED = 20;

/**
 * The organisation the sign-in was tried against: the tenant the source names (Google customer, AWS
 * account), else the source itself (one Okta org per source).
 */
function tenantOf(event: VigilEvent): string {
  const tenant = event.attributes[TENANT];
  return typeof tenant === 'string' && tenant !== '' ? `${event.source}/${tenant}` : event.source;
}

export const passwordSprayDistributedRule: Rule<PasswordSprayDistributedParameters> = defineRule({
  id: 'identity.password-spray-distributed',
  version: 1,
  title: 'Password spray across rotating IPs',
  description:
    'Fires when failed sign-ins for at least `distinctUsers` different users of one tenant (Okta org, Google ' +
    'customer, AWS account) come from at least `minSourceIps` source IPs within `window` (event time), once ' +
    'per burst: a spray that rotates addresses so that no single IP reaches the per-IP threshold.',
  criteria: ['CC7.2', 'CC7.3'],
  category: 'security',
  severity: 'SEV2',
  parameters: PasswordSprayDistributedParameters,
  fixtures: passwordSprayDistributedFixtures,
  kinds: ['authentication'],
  ownerKey: () => 'identity.password-spray-distributed',
  match: (event) => event.outcome === 'failure',
  dedupKey: (event) => `identity.password-spray-distributed:tenant:${tenantOf(event)}`,

  async evaluate(event, ctx) {
    const { params } = ctx;
    const tenant = tenantOf(event);
    const result = await countFailingUsers(ctx, event, `tenant:${tenant}`, params.distinctUsers);
    return sprayVerdict(ctx, event, result, `tenant:${tenant}`, { type: 'account', id: tenant }, (crossing) =>
      // Too few addresses: the per-IP rule speaks for this burst.
      crossing.observed.ips.length < params.minSourceIps
        ? NO_DETECTIONS
        : { detections: [sprayDetection(ctx.rule, event, tenant, crossing, params)] },
    );
  },
});

function sprayDetection(
  rule: Rule<PasswordSprayDistributedParameters>,
  event: VigilEvent,
  tenant: string,
  crossing: DistinctCrossing,
  params: PasswordSprayDistributedParameters,
): Detection {
  const base = detectionBase(rule, event, { type: 'account', id: tenant });
  const { ips } = crossing.observed;
  return {
    id: detectionId(rule.id, base.dedupKey, crossing.triggerEventId),
    ...base,
    status: 'firing',
    title: `Password spray across ${ips.length} IPs against ${tenant}`,
    summary:
      `Failed sign-ins for ${crossing.count} different users of ${tenant} from ${ips.length} source IPs ` +
      `within ${formatDuration(crossing.windowMs)} (threshold ${crossing.threshold} users from at least ` +
      `${params.minSourceIps} IPs).`,
    firstEventAt: isoTime(crossing.firstEventMs),
    detectedAt: isoTime(crossing.detectedAtMs),
    evidence: crossing.evidence,
    ...crossingBurst(crossing),
    attributes: {
      distinctUsers: crossing.count,
      distinctSourceIps: ips.length,
      threshold: crossing.threshold,
      windowSeconds: crossing.windowMs / 1000,
      tenant,
      users: crossing.values.slice(-MAX_LISTED).join(', '),
      sourceIps: ips.slice(-MAX_LISTED).join(', '),
    },
  };
}
