import { z } from 'zod';
import { MAX_EXPORTS_PAGE, SampleSeed, SampleSize } from '@vigil/incidents';
import { PeriodBound } from '@vigil/schema';

const period = {
  from: PeriodBound,
  to: PeriodBound,
};
function beforeTo(query: { from: string; to: string }, ctx: z.RefinementCtx): void {
  if (Date.parse(query.from) >= Date.parse(query.to)) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' });
  }
}

// Strict, like every query of this API: a misspelt parameter is a 400, never a silently different export.
export const AuditPeriodParams = z.strictObject(period).superRefine(beforeTo);
export const PopulationParams = z
  .strictObject({ ...period, format: z.enum(['json', 'csv']).default('json') })
  .superRefine(beforeTo);
export const SampleParams = z
  .strictObject({ ...period, seed: SampleSeed, size: SampleSize.optional() })
  .superRefine(beforeTo);
export const ExportsParams = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_EXPORTS_PAGE).optional(),
  before: z.coerce.number().int().min(1).optional(),
});
