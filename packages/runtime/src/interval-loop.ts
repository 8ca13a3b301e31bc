/**
 * Runs `tick` every `intervalMs`, never two at once in one process (a slow tick skips the next), until stopped.
 * `tick` handles its own failures; `stop()` is idempotent and waits for a tick in progress.
 */
export function runEvery(intervalMs: number, tick: () => Promise<void>): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  let stopped = false;
  const timer = setInterval(() => {
    if (stopped || running) return;
    running = tick().finally(() => {
      running = undefined;
    });
  }, intervalMs);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
