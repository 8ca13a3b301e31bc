/** What every started service hands back: where it listens (for HTTP services) and how to stop it. */
export interface RunningService {
  name: string;
  /** `http://host:port` for HTTP services, and the admin port (health, metrics) of the others when it is on. */
  url?: string;
  /** Idempotent; stops fetching, drains, then closes connections in a fixed order. */
  stop(): Promise<void>;
}

/**
 * Runs stop steps in order, each even if an earlier one failed, once; rethrows the first failure
 * after all have run.
 */
export function orderedStop(steps: Array<() => Promise<unknown>>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      let first: unknown;
      for (const step of steps) {
        try {
          await step();
        } catch (error) {
          first ??= error;
        }
      }
      if (first !== undefined) throw first;
    })();
    return stopping;
  };
}
