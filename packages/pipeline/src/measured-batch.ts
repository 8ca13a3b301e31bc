import type { IncomingBatch } from '@vigil/bus';
import type { Stage, VigilMetrics } from '@vigil/health';

/** A batch handler that reports its duration to the process's metrics, whether it succeeds or throws. */
export function measuredBatch(
  metrics: VigilMetrics | undefined,
  stage: Stage,
  handle: (batch: IncomingBatch) => Promise<void>,
): (batch: IncomingBatch) => Promise<void> {
  return async (batch) => {
    const done = metrics?.startBatch(stage);
    try {
      await handle(batch);
    } finally {
      done?.();
    }
  };
}
