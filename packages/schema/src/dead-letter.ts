import { z } from 'zod';
import { Timestamp } from './event';

/** What could not be processed, why, and the input exactly as it came. */
export const DeadLetter = z.object({
  /** Where it failed: `ingest:<source>`, `detector`, `alerter`, ... */
  stage: z.string().min(1),
  reason: z.string().min(1),
  /** Field-level detail (zod issue paths, positions) when there is any. */
  errors: z.array(z.object({ path: z.string(), message: z.string() })).default([]),
  source: z.string().optional(),
  receivedAt: Timestamp,
  /** The offending input: the raw JSON value, or the text when it would not parse. */
  raw: z.unknown(),
  /** Where it was read from when it came off a topic. */
  origin: z
    .object({ topic: z.string(), partition: z.number().int(), offset: z.string() })
    .optional(),
});
export type DeadLetter = z.infer<typeof DeadLetter>;
