import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;
const DURATION_TEXT = /^(\d+)(ms|s|m|h|d)$/;
const EXPECTED = 'expected a duration such as 90s, 10m, 1h, 2d, or a whole number of milliseconds';

/**
 * A positive duration in milliseconds. Override files say `10m` rather than `600000`, so both are
 * accepted; rules always see milliseconds.
 */
export const Duration = z.union([z.number(), z.string()]).transform((value, ctx): number => {
  const ms = typeof value === 'number' ? value : textToMs(value.trim());
  if (ms === undefined || !Number.isSafeInteger(ms) || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `${EXPECTED}, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return ms;
});

function textToMs(text: string): number | undefined {
  const match = DURATION_TEXT.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as Unit];
}

/** The largest unit that divides `ms` exactly, so summaries read `10m`, `90s`, `1500ms`. */
export function formatDuration(ms: number): string {
  if (!Number.isInteger(ms)) return `${ms}ms`;
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms !== 0 && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
