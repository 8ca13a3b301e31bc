export interface Stoppable {
  stop(): Promise<void>;
}

interface Registration {
  name: string;
  stop: () => Promise<void>;
}

export interface ShutdownLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * One per process. Stops components in reverse order of registration (last started, first
 * stopped), each under the global deadline, each even if an earlier one failed.
 */
export class ShutdownRegistry {
  private readonly entries: Registration[] = [];
  private running: Promise<boolean> | undefined;

  constructor(
    private readonly log: ShutdownLog,
    private readonly timeoutMs = 30_000,
  ) {}

  register(name: string, component: Stoppable | (() => Promise<void>)): void {
    const stop = typeof component === 'function' ? component : () => component.stop();
    this.entries.push({ name, stop });
  }

  /** Resolves true when every stop succeeded within the deadline. Idempotent. */
  shutdown(reason: string): Promise<boolean> {
    this.running ??= this.runAll(reason);
    return this.running;
  }

  /** SIGTERM / SIGINT run the shutdown and exit: 0 when clean, 1 otherwise. */
  installSignalHandlers(exit: (code: number) => void = (code) => process.exit(code)): void {
    const onSignal = (signal: NodeJS.Signals) => this.stopAndExit(signal, exit);
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }

  /**
   * Runs the shutdown, then `exit`: 0 when clean, 1 otherwise (also if the shutdown itself failed).
   * Each stop is given up at the deadline, so the exit always comes.
   */
  stopAndExit(reason: string, exit: (code: number) => void): void {
    void this.shutdown(reason).then(
      (ok) => exit(ok ? 0 : 1),
      () => exit(1),
    );
  }

  private async runAll(reason: string): Promise<boolean> {
    this.say('info', { reason }, 'shutting down');
    const deadline = Date.now() + this.timeoutMs;
    let ok = true;
    for (const entry of [...this.entries].reverse()) {
      const remaining = Math.max(deadline - Date.now(), 1);
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          entry.stop(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`did not stop within ${remaining} ms`)), remaining);
          }),
        ]);
        this.say('info', { component: entry.name }, 'stopped');
      } catch (error) {
        ok = false;
        this.say('error', { component: entry.name, err: error }, 'stop failed');
      } finally {
        clearTimeout(timer);
      }
    }
    return ok;
  }

  /** A log line that cannot stop the shutdown: writing to an output whose reader is gone may throw. */
  private say(level: 'info' | 'error', obj: object, msg: string): void {
    try {
      this.log[level](obj, msg);
    } catch {
      // The shutdown goes on without its log line.
    }
  }
}
