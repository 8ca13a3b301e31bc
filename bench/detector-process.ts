import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

/** A Vigil service (`services/<name>/src/main.ts`) run as its own node process, as users run it. */
export interface ServiceProcess {
  child: ChildProcess;
  /** SIGTERM and wait for the exit (a CPU profile, if asked for, is written then). */
  stop(): Promise<number | null>;
  /** SIGKILL: no goodbye to the consumer group. */
  kill(): Promise<void>;
  /** Resolves when a log line matching `pattern` appears. */
  logged(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** The newest output line matching `pattern`, one of those `track` named (kept however long ago). */
  latest(pattern: RegExp): string | undefined;
}

/** Service processes still running: killed if the bench process exits without stopping them (a crash). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Where the services' production bundles are (services/vigil/build.ts, as the image runs them: `node
 * <service>.js`); unset, services run from source through tsx. Set once by the bench before any start.
 */
let builtServices: string | undefined;
export function runBuiltServices(dir: string | undefined): void {
  builtServices = dir;
}

export function startServiceProcess(
  service: 'ingest' | 'detector' | 'alerter' | 'raw-consumer' | 'raw-http-server',
  env: NodeJS.ProcessEnv,
  options: { cpuProfileDir?: string; track?: RegExp[] } = {},
): ServiceProcess {
  const args = [
    // Extra node flags for every service process, e.g. BENCH_NODE_ARGS='--max-semi-space-size=64' to try a heap setting.
    ...(process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ').filter(Boolean) : []),
    ...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []),
    ...(service.startsWith('raw-')
      ? ['--import', 'tsx', `bench/${service}-process.ts`]
      : builtServices
        ? [join(builtServices, `${service}.js`)]
        : ['--import', 'tsx', `services/${service}/src/main.ts`]),
  ];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  // The newest line matching each tracked pattern, which a busy process's output must not push out.
  const tracked = new Map<RegExp, string>();
  let partial = '';
  const track = (text: string) => {
    if (!options.track?.length) return;
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) for (const pattern of options.track) if (pattern.test(line)) tracked.set(pattern, line);
  };
  const watchers = new Set<{ pattern: RegExp; resolve: () => void }>();
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    track(text);
    log = (log + text).slice(-20_000);
    for (const w of watchers) {
      if (!w.pattern.test(log)) continue;
      watchers.delete(w);
      w.resolve();
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  if (process.env.BENCH_ECHO) {
    child.stderr?.on('data', (c: Buffer) => process.stderr.write(c));
    child.stdout?.on('data', (c: Buffer) => process.stderr.write(c));
  }
  running.add(child);
  const exited = once(child, 'exit').then(([code]) => {
    running.delete(child);
    return code as number | null;
  });
  return {
    child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
    latest(pattern) {
      return tracked.get(pattern);
    },
    logged(pattern, timeoutMs = 60_000) {
      if (pattern.test(log)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const entry = { pattern, resolve };
        watchers.add(entry);
        setTimeout(() => {
          if (!watchers.delete(entry)) return;
          reject(new Error(`${service} did not log ${pattern} within ${timeoutMs} ms; last output:\n${log.slice(-3000)}`));
        }, timeoutMs).unref();
        void exited.then((code) => {
          if (!watchers.delete(entry)) return;
          reject(new Error(`${service} exited (${code}) before logging ${pattern}; last output:\n${log.slice(-3000)}`));
        });
      });
    },
  };
}
