import type { Entity, VigilEvent } from '@vigil/schema';
import { burstContinuation } from '../burst-detections';
import type { DistinctCountResult, DistinctCrossing } from '../distinct-count';
import { lateReason } from '../lateness';
import { NO_DETECTIONS, type RuleContext, type RuleVerdict } from '../rule';

/** Who a failed sign-in was for: the user it is about, else the actor's name, else the entity. */
export function targetUserOf(event: VigilEvent): string {
  return event.entity.type === 'user' ? event.entity.id : (event.actor.user ?? event.entity.id);
}

/** The spray rules' one primitive: distinct users (case-insensitive) failing within `scope`'s window. */
export function countFailingUsers(
  ctx: RuleContext<{ window: number; allowedLateness: number; maxEvidence: number }>,
  event: VigilEvent,
  scope: string,
  threshold: number,
): Promise<DistinctCountResult> {
  const { params } = ctx;
  return ctx.distinctCount({
    scope,
    value: targetUserOf(event).toLowerCase(),
    windowMs: params.window,
    latenessMs: params.allowedLateness,
    threshold,
    maxEvidence: params.maxEvidence,
  });
}

/**
 * What a spray rule says for one counted sign-in: `crossed` decides the burst's first detection; a burst
 * going on adds a continuation on `target`; a late event is reported against the counting `scope`.
 */
export function sprayVerdict<P extends { allowedLateness: number }>(
  ctx: RuleContext<P>,
  event: VigilEvent,
  result: DistinctCountResult,
  scope: string,
  target: Entity,
  crossed: (crossing: DistinctCrossing) => RuleVerdict,
): RuleVerdict {
  switch (result.kind) {
    case 'crossed':
      return crossed(result.crossing);
    case 'counted':
      return result.burst ? { detections: [burstContinuation(ctx.rule, event, ctx.position, result.burst, target)] } : NO_DETECTIONS;
    case 'late':
      return { detections: [], late: lateReason(event, scope, result.newestMs, ctx.params.allowedLateness) };
    default:
      return NO_DETECTIONS;
  }
}
