import { SOURCE_NAME, type VigilEvent } from '@vigil/schema';
import { z } from 'zod';
import { deadlineDetection, deadlineResolvedDetection } from '../deadline-detections';
import { isoTime } from '../detection-builder';
import { Duration, formatDuration } from '../duration';
import { MINUTE } from '../fixture-events';
import { NO_DETECTIONS, defineRule } from '../rule';
import { sourceSilentFixtures } from './source-silent.fixtures';

/** A source's expected interval: a number of seconds, or a duration such as `5m`. */
const Interval = z.union([z.number(), z.string()]).transform((value, ctx): number => {
  const ms = typeof value === 'number' ? Math.round(value * 1000) : Duration.safeParse(value).data;
  if (ms === undefined || !Number.isSafeInteger(ms) || ms <= 0) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a number of seconds, or a duration such as 90s, 10m, 1h; got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
  return ms;
});

export const SourceSilentParameters = z.strictObject({
  /** The registered sources and how long each may stay silent (seconds, or a duration). */
  sources: z
    .record(z.string().regex(SOURCE_NAME), Interval, {
      error: (issue) =>
        issue.code === 'invalid_key'
          ? 'not a source name: lower-case letters, digits, - and _, starting with a letter'
          : undefined,
    })
    .default({}),
  /** Added to every interval, for delivery and tick delays. */
  grace: Duration.default(MINUTE),
});
export type SourceSilentParameters = z.infer<typeof SourceSilentParameters>;

/**
 * The source an event speaks for: a heartbeat's entity names the source it is about (a shipper may
 * beat for the sources it forwards); any other event speaks for the source that sent it.
 */
export function sourceOf(event: VigilEvent): string {
  return event.kind === 'heartbeat' && event.entity.type === 'source' ? event.entity.id : event.source;
}

export const sourceSilentRule = defineRule<SourceSilentParameters>({
  id: 'logging.source-silent',
  version: 1,
  title: 'Log source silent',
  description:
    'Every event from a registered source (any kind, not only heartbeats; a heartbeat speaks for the ' +
    "source its entity names) arms that source's deadline " +
    "at its event time + the source's interval + grace; when the deadline passes with no newer event, " +
    "it fires from the timer. The source's next event resolves it. Sources are registered with " +
    '`sources: { name: seconds }` and watched from their first event on.',
  criteria: ['CC7.2'],
  category: 'logging',
  severity: 'SEV3',
  parameters: SourceSilentParameters,
  fixtures: sourceSilentFixtures,
  ownerKey: (event) => sourceOf(event),
  match: (event, params) => Object.hasOwn(params.sources, sourceOf(event)),
  dedupKey: (event) => `logging.source-silent:source:${sourceOf(event)}`,

  async evaluate(event, ctx) {
    const source = sourceOf(event);
    const intervalMs = ctx.params.sources[source] ?? 0;
    const result = await ctx.deadline({
      op: 'arm',
      scope: source,
      dueAtMs: ctx.eventTimeMs + intervalMs + ctx.params.grace,
    });
    if (result.kind !== 'resolved') return NO_DETECTIONS;
    const { resolution } = result;
    const silentMs = resolution.triggerTimeMs - resolution.armedAtMs;
    return {
      detections: [
        deadlineResolvedDetection(ctx.rule, event, resolution, {
          entity: { type: 'source', id: source },
          title: `Source ${source} is sending again`,
          summary: `${source} sent an event at ${event.time} after ${formatDuration(Math.max(1, silentMs))} of silence.`,
          attributes: { silentSeconds: silentMs / 1000, lastEventAt: isoTime(resolution.armedAtMs) },
        }),
      ],
    };
  },

  onDeadline(firing, rule) {
    const intervalMs = rule.params.sources[firing.scope];
    // A source no longer registered is no longer watched.
    if (intervalMs === undefined) return undefined;
    const entity = { type: 'source' as const, id: firing.scope };
    return deadlineDetection(
      rule,
      firing,
      { entity, source: firing.scope },
      {
        title: `Source ${firing.scope} is silent`,
        summary:
          `${firing.scope} has sent nothing since ${isoTime(firing.armedAtMs)}; ` +
          `it is expected at least every ${formatDuration(intervalMs)} (deadline ${isoTime(firing.dueMs)}).`,
        attributes: {
          lastEventAt: isoTime(firing.armedAtMs),
          expectedIntervalSeconds: intervalMs / 1000,
          dueAt: isoTime(firing.dueMs),
        },
      },
    );
  },
});
