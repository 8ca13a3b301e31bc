import type { Logger } from '@vigil/telemetry';
import type { CheckpointLog } from './checkpoint-log';
import { publishPendingCheckpoints, type PublishOptions } from './witness';

export const DEFAULT_CHECKPOINT_INTERVAL_MS = 60 * 60 * 1000;
export const DEFAULT_WITNESS_INTERVAL_MS = 60 * 1000;

export interface CheckpointSchedulerOptions extends PublishOptions {
  log: CheckpointLog;
  logger: Logger;
  /** How often a checkpoint is made, if the register moved since the last one. */
  checkpointIntervalMs?: number;
  /** How often checkpoints not yet published (an export's, a failed publication) go to the witnesses. */
  witnessIntervalMs?: number;
}

/**
 * Makes a checkpoint on a schedule (only when the timeline grew) and publishes checkpoints to the
 * witnesses. Several processes may run one: the log serialises checkpoints, publication is idempotent.
 */
export class CheckpointScheduler {
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: CheckpointSchedulerOptions) {}

  start(): void {
    if (this.timers.length > 0) return;
    const every = (ms: number, work: () => Promise<unknown>) => {
      const timer = setInterval(() => this.serially(work), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS, () => this.checkpointNow());
    every(this.options.witnessIntervalMs ?? DEFAULT_WITNESS_INTERVAL_MS, () => this.publishNow());
  }

  /** Stops the timers and waits for a round in progress. Idempotent. */
  async stop(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await this.running;
  }

  /** One scheduled round: a checkpoint if the register moved, then publication. Never throws. */
  async checkpointNow(): Promise<void> {
    try {
      const { checkpoint, created } = await this.options.log.checkpoint('schedule', { onlyIfMoved: true });
      if (created) {
        this.options.logger.info({ checkpoint: checkpoint.seq, treeSize: checkpoint.treeSize, root: checkpoint.root }, 'register checkpoint signed');
      }
    } catch (error) {
      this.options.logger.error({ err: error }, 'register checkpoint failed');
    }
    await this.publishNow();
  }

  async publishNow(): Promise<void> {
    try {
      await publishPendingCheckpoints(this.options);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'checkpoint publication round failed');
    }
  }

  private serially(work: () => Promise<unknown>): void {
    this.running = this.running.then(work, work);
  }
}
