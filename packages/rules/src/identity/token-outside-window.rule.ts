import { entityKey, type VigilEvent } from '@vigil/schema';
import { z } from 'zod';
import { actorText, changeOf, singleEventDetection } from '../detection-builder';
import { defineRule } from '../rule';
import { tokenOutsideWindowFixtures } from './token-outside-window.fixtures';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const CLOCK_TIME = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24-hour)');
const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

const ChangeWindow = z
  .strictObject({ days: z.array(z.enum(DAYS)).min(1), from: CLOCK_TIME, to: CLOCK_TIME })
  .refine((w) => minutesOf(w.from) < minutesOf(w.to), {
    message: 'from must be before to (a window ends the day it starts)',
    path: ['to'],
  });

const TimeZone = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected an IANA time zone such as UTC or Europe/Berlin' },
);

export const TokenOutsideWindowParameters = z.strictObject({
  /** When credentials may be created; none (the default): the rule watches nothing. */
  windows: z.array(ChangeWindow).default([]),
  /** The zone the windows' days and times are in. */
  timeZone: TimeZone.default('UTC'),
  /** Which credential changes must fall in a window. */
  changes: z
    .array(z.enum(['credential-created', 'credential-rotated']))
    .min(1)
    .default(['credential-created']),
});
export type TokenOutsideWindowParameters = z.infer<typeof TokenOutsideWindowParameters>;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The weekday and minute of the day of `time` in `timeZone`. */
function localTime(time: string, timeZone: string): { day: string; minute: number } {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(time)).map((p) => [p.type, p.value]));
  return {
    day: (parts.weekday ?? '').toLowerCase().slice(0, 3),
    minute: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

function inWindow(event: VigilEvent, params: TokenOutsideWindowParameters): boolean {
  const { day, minute } = localTime(event.time, params.timeZone);
  return params.windows.some(
    (w) =>
      (w.days as readonly string[]).includes(day) && minute >= minutesOf(w.from) && minute < minutesOf(w.to),
  );
}

export const tokenOutsideWindowRule = defineRule<TokenOutsideWindowParameters>({
  id: 'identity.token-outside-window',
  version: 1,
  title: 'API token created outside the change window',
  description:
    'Fires when an API token or key is created (`credential-created`; with `changes`, also rotated) at a time ' +
    'outside every configured change window (`windows`, days and times in `timeZone`). Without windows it ' +
    'watches nothing; failed attempts do not count.',
  criteria: ['CC8.1', 'CC6.1', 'CC7.2'],
  category: 'security',
  severity: 'SEV4',
  parameters: TokenOutsideWindowParameters,
  fixtures: tokenOutsideWindowFixtures,
  kinds: ['api_activity', 'account_change'],
  ownerKey: () => 'identity.token-outside-window',
  match: (event, params) => {
    if (params.windows.length === 0 || event.outcome === 'failure') return false;
    const change = changeOf(event);
    return (
      change !== undefined &&
      (params.changes as readonly string[]).includes(change) &&
      !inWindow(event, params)
    );
  },
  dedupKey: (event) => `identity.token-outside-window:${entityKey(event.entity)}`,

  evaluate(event, ctx) {
    const { day, minute } = localTime(event.time, ctx.params.timeZone);
    const at = `${day} ${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')} ${ctx.params.timeZone}`;
    return Promise.resolve({
      detections: [
        singleEventDetection(ctx.rule, event, ctx.position, {
          title: `${event.entity.id}: ${changeOf(event)} outside the change window`,
          summary: `${actorText(event)} made ${event.entity.id} (${changeOf(event)}, ${event.source} ${event.action}) at ${at}, outside every change window.`,
          attributes: {
            source: event.source,
            change: changeOf(event) ?? null,
            localTime: at,
            actor: event.actor.user ?? null,
          },
        }),
      ],
    });
  },
});
