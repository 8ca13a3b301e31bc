import { encode, type Bus } from '@vigil/bus';
import { errorMessage, type Clock } from '@vigil/runtime';
import { entityKey, type TopicNames } from '@vigil/schema';
import type { Logger } from '@vigil/telemetry';
import { checkEvent, proberSourceName } from './check-event';
import type { ProbeCheck } from './prober-config';
import { PublishQueue, type PublishQueueStats } from './publish-queue';
import { runCheck } from './run-check';

export interface ProberOptions {
  bus: Bus;
  topics: TopicNames;
  checks: ProbeCheck[];
  logger: Logger;
  clock: Clock;
  /** Where this prober runs; it runs the checks for this region and every check without `regions`. */
  region: string;
  /** Source name of the events; default `prober-<region>`. */
  name?: string;
  /** Results held while the bus is down; past this the oldest are dropped, counted and logged. Default 10,000. */
  maxBuffered?: number;
  /** Back-off between publish attempts while the bus is down. Default 250 ms doubling to 10 s. */
  retry?: { initialMs: number; maxMs: number };
  /** How long `stop()` waits for runs in progress, then for buffered results to be published. Default 5 s each. */
  stopTimeoutMs?: number;
  /** [0, 1); spreads first runs over one interval so checks do not all fire together. Default Math.random. */
  random?: () => number;
}

export interface ProberStats extends PublishQueueStats {
  /** Runs completed (passed or failed). */
  runs: number;
  /** Runs not started because the previous run of the same check was still going, or the process fell behind. */
  skipped: number;
}

export interface Prober {
  /** The source name the events carry. */
  readonly source: string;
  /** The checks this prober runs (those for its region). */
  readonly checks: readonly ProbeCheck[];
  stats(): ProberStats;
  /** Stops scheduling, lets runs in progress finish, publishes what is buffered, within deadlines. Idempotent. */
  stop(): Promise<void>;
}

interface CheckState {
  check: ProbeCheck;
  timer: NodeJS.Timeout | undefined;
  running: Promise<void> | undefined;
}

/**
 * Runs each check on its interval and produces one `uptime_check` event per run straight to the
 * events topic. Runs of one check never overlap; first runs are spread over one interval.
 */
export function startProber(options: ProberOptions): Prober {
  const { bus, topics, clock, region } = options;
  const source = proberSourceName(region, options.name);
  const logger = options.logger.child({ component: 'prober', source, region });
  const random = options.random ?? Math.random;
  const stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
  const checks = options.checks.filter((c) => !c.regions || c.regions.includes(region));
  const queue = new PublishQueue({
    bus,
    topic: topics.events,
    logger,
    clock,
    maxBuffered: options.maxBuffered ?? 10_000,
    batchSize: 500,
    retry: options.retry ?? { initialMs: 250, maxMs: 10_000 },
  });
  const counts = { runs: 0, skipped: 0 };
  const states: CheckState[] = checks.map((check) => ({ check, timer: undefined, running: undefined }));
  let stopped = false;
  let stopping: Promise<void> | undefined;

  const schedule = (state: CheckState, at: number) => {
    state.timer = setTimeout(() => fire(state, at), Math.max(0, at - clock.now()));
  };

  const fire = (state: CheckState, scheduledAt: number) => {
    if (stopped) return;
    const { check } = state;
    // Fixed-rate: the next slot follows this one; slots already past (a stalled process) are skipped, not bunched.
    let next = scheduledAt + check.intervalMs;
    const now = clock.now();
    if (next <= now) {
      const missed = Math.floor((now - next) / check.intervalMs) + 1;
      counts.skipped += missed;
      next += missed * check.intervalMs;
      logger.warn({ check: check.name, missed }, 'prober fell behind; skipped runs');
    }
    schedule(state, next);
    if (state.running) {
      counts.skipped += 1;
      logger.warn({ check: check.name, scheduledAt: new Date(scheduledAt).toISOString() }, 'previous run still in progress; skipped this one');
      return;
    }
    state.running = runCheck(check, { clock, scheduledAt })
      .then((result) => {
        counts.runs += 1;
        const event = checkEvent(check, result, { source, region, receivedAt: new Date(clock.now()).toISOString() });
        queue.push(encode('events', entityKey(event.entity), event));
        if (!result.ok) logger.debug({ check: check.name, error: result.error }, 'check failed');
      })
      .catch((error: unknown) => {
        // runCheck does not reject; reaching this is a defect, and a run without a result must be visible.
        logger.error({ check: check.name, err: errorMessage(error) }, 'check run produced no result');
      })
      .finally(() => {
        state.running = undefined;
      });
  };

  for (const state of states) schedule(state, clock.now() + Math.floor(random() * state.check.intervalMs));
  logger.info({ checks: checks.map((c) => c.name), skippedForRegion: options.checks.length - checks.length }, 'prober started');

  const withDeadline = async (work: Promise<unknown>, what: string): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), stopTimeoutMs);
    });
    try {
      if ((await Promise.race([work, late])) === 'late') logger.warn({ stopTimeoutMs }, `${what} did not finish in time`);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    source,
    checks,
    stats: () => ({ ...counts, ...queue.stats() }),
    stop: () => {
      stopping ??= (async () => {
        stopped = true;
        for (const state of states) clearTimeout(state.timer);
        try {
          const running = states.flatMap((s) => (s.running ? [s.running] : []));
          await withDeadline(Promise.all(running), 'runs in progress');
        } finally {
          try {
            await queue.flush(stopTimeoutMs);
          } finally {
            await queue.close();
            logger.info({ ...counts, ...queue.stats() }, 'prober stopped');
          }
        }
      })();
      return stopping;
    },
  };
}
