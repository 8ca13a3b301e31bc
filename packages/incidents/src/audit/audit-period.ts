import { z } from 'zod';
import { ValidationError } from '@vigil/runtime';
import { PeriodBound } from '@vigil/schema';
import type { AuditPeriod } from './audit-types';

/** `from` and `to` as ISO-8601 timestamps with an offset, or dates (midnight UTC); `from` strictly before `to`. */
export const AuditPeriodInput = z.object({ from: PeriodBound, to: PeriodBound }).superRefine((period, ctx) => {
  if (Date.parse(period.from) >= Date.parse(period.to)) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' });
  }
});

/**
 * The period normalised to UTC with milliseconds, which is what the register stores, so that the
 * parameters printed in the export are exactly the values the queries were run with.
 */
export function auditPeriod(input: { from: string; to: string }): AuditPeriod {
  const parsed = AuditPeriodInput.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(
      'invalid period',
      parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.') || '(root)',
        message: issue.message,
      })),
    );
  }
  return {
    from: new Date(parsed.data.from).toISOString(),
    to: new Date(parsed.data.to).toISOString(),
  };
}

/** `20260101T000000Z`: a period bound as it can appear in a file name. */
export function compactTime(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}
