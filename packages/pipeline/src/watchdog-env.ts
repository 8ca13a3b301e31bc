import { envBoolean } from '@vigil/runtime';
import { z } from 'zod';

/** The pipeline watchdog, hosted by the alerter: Vigil raising incidents about its own health (docs/operations.md). */
export const WatchdogEnv = z.object({
  /** Run the watchdog in this alerter. Turn it off in all but one alerter when several run. */
  WATCHDOG_ENABLED: envBoolean.default(true),
  /** How often the watchdog reads offsets, queues and the state epoch. */
  WATCHDOG_INTERVAL_MS: z.coerce.number().int().min(100).default(10_000),
  /** Records behind (a group's partitions summed) that count as lag. */
  WATCHDOG_LAG_THRESHOLD: z.coerce.number().int().min(0).default(10_000),
  /** How long lag must stay above the threshold before an incident. */
  WATCHDOG_LAG_FOR_MS: z.coerce.number().int().min(0).default(300_000),
  /** How long a partition may have lag without its committed offset moving before an incident. */
  WATCHDOG_STALL_FOR_MS: z.coerce.number().int().min(0).default(120_000),
  /** Dead letters a minute (per dead-letter topic) above which an incident is raised. */
  WATCHDOG_DLQ_PER_MINUTE: z.coerce.number().min(0).default(60),
  /** The window the dead-letter rate is measured over. */
  WATCHDOG_DLQ_WINDOW_MS: z.coerce.number().int().min(1000).default(300_000),
  /** Notifications waiting, delayed or in flight above which delivery counts as backlogged. */
  WATCHDOG_NOTIFY_BACKLOG: z.coerce.number().int().min(0).default(500),
  /** How long the backlog must last before an incident. */
  WATCHDOG_NOTIFY_BACKLOG_FOR_MS: z.coerce.number().int().min(0).default(300_000),
  /** How long a fault must be gone before its incident is resolved. */
  WATCHDOG_RESOLVE_AFTER_MS: z.coerce.number().int().min(0).default(120_000),
  /** Most new pipeline incidents an hour, all rules together; the rest are only counted. */
  WATCHDOG_MAX_INCIDENTS_PER_HOUR: z.coerce.number().int().min(1).default(20),
  /** The detectors' consumer group, watched for lag, stalls, skipped records and lost state. */
  DETECTOR_GROUP: z.string().default('vigil-detector'),
  /** Redis key of the shared state epoch (@vigil/runtime StateEpoch). */
  STATE_EPOCH_KEY: z.string().min(1).default('vigil:state-epoch'),
});
