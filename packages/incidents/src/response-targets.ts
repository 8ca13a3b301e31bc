import { z } from 'zod';
import type { Severity } from '@vigil/schema';

/** How long an incident of one severity may wait for acknowledgement and for resolution, from detection. */
export const ResponseTarget = z
  .object({
    ackMinutes: z.number().int().positive(),
    resolveMinutes: z.number().int().positive(),
  })
  .refine((target) => target.ackMinutes <= target.resolveMinutes, {
    message: 'ackMinutes must not be more than resolveMinutes',
    path: ['ackMinutes'],
  });
export type ResponseTarget = z.infer<typeof ResponseTarget>;

export const ResponseTargets = z.object({
  SEV1: ResponseTarget,
  SEV2: ResponseTarget,
  SEV3: ResponseTarget,
  SEV4: ResponseTarget,
});
export type ResponseTargets = z.infer<typeof ResponseTargets>;

/**
 * The defaults until the owners' config says otherwise. Migration 002 backfilled incidents opened before it
 * with these same figures; changing them here affects only incidents opened afterwards.
 */
export const DEFAULT_RESPONSE_TARGETS: ResponseTargets = {
  SEV1: { ackMinutes: 15, resolveMinutes: 4 * 60 },
  SEV2: { ackMinutes: 30, resolveMinutes: 24 * 60 },
  SEV3: { ackMinutes: 4 * 60, resolveMinutes: 3 * 24 * 60 },
  SEV4: { ackMinutes: 24 * 60, resolveMinutes: 7 * 24 * 60 },
};

export interface ResponseDeadlines {
  ackDueAt: string;
  resolveDueAt: string;
}

/** When an incident of `severity` detected at `detectedAt` must be acknowledged and resolved by. */
export function responseDeadlines(
  severity: Severity,
  detectedAt: string,
  targets: ResponseTargets = DEFAULT_RESPONSE_TARGETS,
): ResponseDeadlines {
  const detected = Date.parse(detectedAt);
  const target = targets[severity];
  return {
    ackDueAt: new Date(detected + target.ackMinutes * 60_000).toISOString(),
    resolveDueAt: new Date(detected + target.resolveMinutes * 60_000).toISOString(),
  };
}
