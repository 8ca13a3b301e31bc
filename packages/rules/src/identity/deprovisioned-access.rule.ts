import type { Detection, VigilEvent } from '@vigil/schema';
import { z } from 'zod';
import { changeOf, detectionBase, detectionId, isoTime } from '../detection-builder';
import { NO_DETECTIONS, defineRule, type Rule } from '../rule';
import type { SequenceMatch } from '../sequence';
import { deprovisionedAccessFixtures } from './deprovisioned-access.fixtures';

export const DeprovisionedAccessParameters = z.strictObject({});
export type DeprovisionedAccessParameters = z.infer<typeof DeprovisionedAccessParameters>;

/** Changes that take a user's access away, and that give it back. */
const DEPROVISIONING: ReadonlySet<string> = new Set(['user-suspended', 'user-deleted']);
const REPROVISIONING: ReadonlySet<string> = new Set(['user-reactivated', 'user-created']);

/** The user a change is about, when it is about a user. */
function changedUser(event: VigilEvent): { op: 'begin' | 'end'; user: string } | undefined {
  if (event.entity.type !== 'user' || event.outcome === 'failure') return undefined;
  const change = changeOf(event);
  if (change === undefined) return undefined;
  if (DEPROVISIONING.has(change)) return { op: 'begin', user: event.entity.id };
  if (REPROVISIONING.has(change)) return { op: 'end', user: event.entity.id };
  return undefined;
}

/** The user acting in the event: who signed in, or who made the call or change. */
function activeUser(event: VigilEvent): string | undefined {
  if (event.outcome === 'failure') return undefined;
  if (event.kind === 'authentication') {
    if (event.outcome !== 'success') return undefined;
    return event.entity.type === 'user' ? event.entity.id : event.actor.user;
  }
  return event.actor.user || undefined;
}

const subject = (user: string) => user.toLowerCase();

export const deprovisionedAccessRule: Rule<DeprovisionedAccessParameters> = defineRule({
  id: 'identity.deprovisioned-access',
  version: 1,
  title: 'Activity by a deprovisioned user',
  description:
    'Keeps, per user, whether the user was suspended or deleted (`user-suspended`, `user-deleted`) and ' +
    'not since reactivated or re-created (`user-reactivated`, `user-created`), in event time. Fires on ' +
    'the first successful sign-in, API call or change by such a user after the suspension, once per ' +
    'suspension. Users are matched by id, case-insensitively, across sources.',
  criteria: ['CC7.2', 'CC6.2'],
  category: 'security',
  severity: 'SEV2',
  parameters: DeprovisionedAccessParameters,
  fixtures: deprovisionedAccessFixtures,
  kinds: ['authentication', 'api_activity', 'account_change'],
  ownerKey: () => 'identity.deprovisioned-access',
  match: (event) => activeUser(event) !== undefined || changedUser(event) !== undefined,
  dedupKey: (event) => `identity.deprovisioned-access:user:${subject(activeUser(event) ?? event.entity.id)}`,

  async evaluate(event, ctx) {
    const change = changedUser(event);
    const actor = activeUser(event);
    // Both asked before the first await: the change the event makes, then the activity it is.
    const changed = change ? ctx.sequence({ op: change.op, subject: subject(change.user) }) : undefined;
    const observed =
      actor !== undefined ? ctx.sequence({ op: 'observe', subject: subject(actor) }) : undefined;
    // Awaited together, so a failed batch rejects both without leaving one unhandled.
    const [, result] = await Promise.all([changed, observed]);
    const detections: Detection[] = [];
    if (result?.kind === 'fired' && actor !== undefined)
      detections.push(deprovisionedDetection(ctx.rule, event, subject(actor), result.match));
    return detections.length > 0 ? { detections } : NO_DETECTIONS;
  },
});

function deprovisionedDetection(
  rule: Rule<DeprovisionedAccessParameters>,
  event: VigilEvent,
  user: string,
  match: SequenceMatch,
): Detection {
  const base = detectionBase(rule, event, { type: 'user', id: user });
  const what = event.kind === 'authentication' ? 'signed in to' : `acted in (${event.action})`;
  return {
    id: detectionId(rule.id, base.dedupKey, match.triggerEventId),
    ...base,
    status: 'firing',
    title: `Deprovisioned user ${user} is active`,
    summary:
      `${user} ${what} ${event.source} at ${event.time}` +
      `${event.actor.ip ? ` from ${event.actor.ip}` : ''}, after being deprovisioned at ${isoTime(match.begunAtMs)}.`,
    firstEventAt: isoTime(match.begunAtMs),
    detectedAt: isoTime(match.detectedAtMs),
    evidence: match.evidence,
    attributes: {
      deprovisionedAt: isoTime(match.begunAtMs),
      activityAt: event.time,
      source: event.source,
      action: event.action,
      sourceIp: event.actor.ip ?? null,
    },
  };
}
