import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, test } from '../fixtures/services';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Generous: on a loaded 2-core machine loading TypeScript through tsx alone can take most of a minute.
const STARTED_WITHIN_MS = 150_000;
const STOPPED_WITHIN_MS = 30_000;

interface LogLine {
  msg?: string;
  pid?: number;
  component?: string;
  ready?: boolean;
  service?: string;
  url?: string;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  lines: LogLine[];
  /** The pid of the node process that logged (the service itself, not pnpm). */
  servicePid: number | undefined;
}

/**
 * Runs a `pnpm` start command as a user (or a container runtime) would, waits until it logs `ready`, sends
 * SIGTERM to the process that was spawned — pnpm — and reports how it ended.
 */
async function startThenTerminate(script: string, env: NodeJS.ProcessEnv, ready: string): Promise<Run> {
  const child = spawn('pnpm', ['run', '--silent', script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let stderr = '';
  let buffer = '';
  let signalled = false;
  let resolveReady: () => void = () => undefined;
  const readyLogged = new Promise<void>((resolve) => (resolveReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const part of parts) {
      try {
        const line = JSON.parse(part) as LogLine;
        lines.push(line);
        if (line.msg?.startsWith(ready)) resolveReady();
      } catch {
        // pnpm's own banner, not a log line
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const timeout = (ms: number, what: string) =>
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${script}: ${what} within ${ms} ms\n${stderr}`)), ms).unref(),
    );
  try {
    await Promise.race([
      readyLogged,
      exited.then(({ code }) => {
        throw new Error(`${script} exited (${code}) before it was ready\n${stderr}`);
      }),
      timeout(STARTED_WITHIN_MS, `no "${ready}" log`),
    ]);
    child.kill('SIGTERM');
    signalled = true;
    const end = await Promise.race([exited, timeout(STOPPED_WITHIN_MS, 'did not exit')]);
    const servicePid = lines.find((line) => typeof line.pid === 'number')?.pid;
    return { ...end, lines, servicePid };
  } finally {
    if (!signalled || child.exitCode === null) child.kill('SIGKILL');
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The development secrets `pnpm start` loads itself; the single services are given them as a deployment would. */
const DEV_ENV = parseEnv(readFileSync(new URL('../../config/dev.env', import.meta.url), 'utf8'));

// One at a time: five processes compiling at once on two cores only slow each other down.
describe('start commands stop cleanly on SIGTERM', () => {
  const cases = [
    // `http` services say where they answer; the others (admin ports off here) that they are ready.
    { script: 'start', ready: 'vigil is running', http: ['api', 'ingest'], other: ['alerter', 'detector'] },
    { script: 'start:ingest', ready: 'ingest ready', http: ['ingest'], other: [] },
    { script: 'start:detector', ready: 'detector ready', http: [], other: ['detector'] },
    { script: 'start:alerter', ready: 'alerter ready', http: [], other: ['alerter'] },
    { script: 'start:api', ready: 'api ready', http: ['api'], other: [] },
  ];

  test.for(cases)(
    'pnpm $script: SIGTERM reaches node, which drains and exits 0',
    { timeout: STARTED_WITHIN_MS + STOPPED_WITHIN_MS + 10_000 },
    async ({ script, ready, http, other }, { uid, kafkaBrokers, redisUrl, database, expect }) => {
      const env: NodeJS.ProcessEnv = {
        ...(script === 'start' ? {} : DEV_ENV),
        KAFKA_BROKERS: script === 'start' ? '' : kafkaBrokers.join(','),
        KAFKA_CLIENT_ID: uid,
        TOPIC_PREFIX: `${uid}.`,
        REDIS_URL: redisUrl,
        DATABASE_URL: database.url,
        DETECTOR_GROUP: `${uid}-detector`,
        ALERTER_GROUP: `${uid}-alerter`,
        DETECTOR_KEY_PREFIX: `${uid}:det:`,
        NOTIFY_QUEUE: `${uid}-notify`,
        RESPONSE_TIMERS_QUEUE: `${uid}-timers`,
        INGEST_PORT: '0',
        API_PORT: '0',
        DETECTOR_ADMIN_PORT: '0',
        ALERTER_ADMIN_PORT: '0',
        WATCHDOG_ENABLED: 'false',
        SLACK_BOT_TOKEN: '',
        LOG_LEVEL: 'info',
        OTEL_SDK_DISABLED: 'true',
      };
      const run = await startThenTerminate(script, env, ready);

      // One ready line per service, each HTTP one with the address that answered, before the process ran on.
      const readyLines = run.lines.filter((line) => line.ready === true);
      expect(readyLines.map((line) => line.service).sort()).toEqual([...http, ...other].sort());
      for (const line of readyLines.filter((l) => http.includes(l.service!))) {
        expect(line.url).toMatch(/^http:\/\/(127\.0\.0\.1|localhost):\d+$/);
        expect(line.msg).toContain(`${line.service} ready at ${line.url}`);
      }
      const messages = run.lines.map((line) => line.msg);
      expect(messages).toContain('shutting down');
      expect(run.lines.filter((line) => line.msg === 'stop failed')).toEqual([]);
      expect({ code: run.code, signal: run.signal }).toEqual({ code: 0, signal: null });
      // The node process itself stopped: nothing is left running behind pnpm.
      expect(run.servicePid).toBeDefined();
      expect(isRunning(run.servicePid!)).toBe(false);
    },
  );
});
