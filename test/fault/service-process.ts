import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type ServiceName = 'ingest' | 'detector' | 'alerter';

/** One run of a service process: how it ended and whether it was a fault point that ended it. */
export interface ServiceRun {
  env: Record<string, string>;
  startedAt: number;
  /** When it logged that it started. */
  readyAt?: number;
  endedAt?: number;
  signal?: NodeJS.Signals | null;
  code?: number | null;
  /** The fault point that killed it, from its own last words on stderr. */
  faultPoint?: string;
}

/**
 * The three services bundled as the image bundles them (services/vigil/build.ts), into a directory of the
 * suite's own: a bundle starts in a fraction of the time tsx takes on a loaded machine, and every restart
 * of every fault pays that start. Returns the directory; the caller removes it.
 */
export async function buildServices(name: string): Promise<string> {
  const out = join(ROOT, 'services/vigil/.fault-build', name);
  const build = spawn(process.execPath, ['--import', 'tsx', 'build.ts', '--out', out], { cwd: join(ROOT, 'services/vigil'), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  build.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => build.once('exit', resolve));
  if (code !== 0) throw new Error(`building the services failed (${code}): ${stderr}`);
  return out;
}

/**
 * A Vigil service as its own node process (the bundle the image runs, `node <service>.js`),
 * restarted like a container under a restart policy whenever it dies: after a fault point's SIGKILL or a
 * kill from the suite. Each start takes the next entry of `faults` (variables for that run, e.g. a
 * `VIGIL_FAULT_POINT`); once they are used up it runs with the base environment.
 */
export class ServiceProcess {
  readonly runs: ServiceRun[] = [];
  /** The tail of its log (JSON lines), for a failure message. */
  readonly tail: string[] = [];
  private child: ChildProcess | undefined;
  private stopping = false;
  private ready: Promise<void> | undefined;

  constructor(
    readonly name: ServiceName,
    private readonly baseEnv: Record<string, string>,
    /** How to run it: `[file, ...args]` and the directory to run it in. */
    private readonly command: { argv: string[]; cwd: string },
    private readonly faults: Array<Record<string, string>> = [],
    /** Every run's log (JSON lines) is appended here when set. */
    private readonly logFile?: string,
    /** The log line that says it is up. */
    private readonly readyMsg = 'started',
  ) {}

  /** Starts it and waits for its `started` line. */
  start(): Promise<void> {
    const env = { ...this.baseEnv, ...(this.faults.shift() ?? {}) };
    const run: ServiceRun = { env, startedAt: Date.now() };
    this.runs.push(run);
    const [file, ...args] = this.command.argv;
    const child = spawn(file!, args, {
      cwd: this.command.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let stderr = '';
    let partial = '';
    let markReady: () => void = () => undefined;
    let failReady: (error: Error) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    // Awaited by `started()` if at all; a run that dies early is no unhandled rejection.
    this.ready.catch(() => undefined);
    if (this.logFile) child.stdout!.pipe(createWriteStream(this.logFile, { flags: 'a' }));
    child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        this.tail.push(line);
        if (this.tail.length > 200) this.tail.shift();
        if (line.includes(`"msg":"${this.readyMsg}"`)) {
          run.readyAt ??= Date.now();
          markReady();
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    child.once('exit', (code, signal) => {
      run.endedAt = Date.now();
      run.code = code;
      run.signal = signal;
      run.faultPoint = /VIGIL_FAULT_POINT (\S+) reached/.exec(stderr)?.[1];
      failReady(new Error(`${this.name} exited (${code ?? signal}) before it started: ${stderr.slice(-1500)}`));
      if (this.child === child) this.child = undefined;
      // The restart policy: a service that died is started again at once, with its next fault if any.
      if (!this.stopping) void this.start().catch(() => undefined);
    });
    return this.ready;
  }

  /** Resolves once the current run has started (after any restarts in between). */
  async started(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.ready;
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  /** Runs that a fault point ended, by point. */
  faultsReached(): string[] {
    return this.runs.flatMap((run) => (run.faultPoint ? [run.faultPoint] : []));
  }

  /** Variables for the next run only (e.g. a fault point), after those already queued. */
  queueRun(env: Record<string, string>): void {
    this.faults.push(env);
  }

  /** kill -9 from outside (the restart policy brings it back). */
  killNow(): void {
    this.child?.kill('SIGKILL');
  }

  /** SIGTERM, and no restart; SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
