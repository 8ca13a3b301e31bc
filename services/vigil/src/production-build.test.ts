/**
 * The production build as the image runs it: `node dist/<service>.js` (the compose file's commands, read from
 * docker-compose.yml) from the built package, against real Kafka (kcat), Redis and PostgreSQL. SIGTERM goes to
 * that exact process, as tini forwards it in the container; each must drain and exit 0.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { beforeAll } from 'vitest';
import { describe, expect, test } from '../../../test/fixtures/services';
import { runCli } from './commands';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
}
const compose = parseYaml(readFileSync(repo('docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

/** Secrets of the operator's own (not config/dev.env's, which a production process refuses). */
const secrets: Record<string, string> = Object.fromEntries(
  [
    'OKTA_HOOK_SECRET',
    'VIGIL_PROBES_TOKEN',
    'VIGIL_SCRIPTS_HMAC_SECRET',
    'AWS_EVENTS_TOKEN',
    'GITHUB_WEBHOOK_SECRET',
    'GOOGLE_WORKSPACE_HMAC_SECRET',
    'ALERTMANAGER_TOKEN',
    'BACKUPS_TOKEN',
    'CLOUDFLARE_LOGPUSH_TOKEN',
    'CLOUDFLARE_WEBHOOK_SECRET',
  ].map((name) => [name, `prod-${name.toLowerCase()}-0123456789abcdef`]),
);

function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!/^(OTEL_|KAFKA_|VITEST|NODE_OPTIONS)/.test(key)) env[key] = value;
  return env;
}

interface Started {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  stderr: string[];
  exited: Promise<number | null>;
}

function startCommand(command: string[], env: NodeJS.ProcessEnv): Started {
  const [file, ...args] = command;
  const child = spawn(file!, args, { cwd: packageDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, stderr, exited };
}

async function waitFor(started: Started, msg: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!started.lines.some((l) => l.msg === msg)) {
    if (started.child.exitCode !== null) {
      const said = started.lines
        .slice(-5)
        .map((l) => JSON.stringify(l))
        .join('\n');
      throw new Error(
        `exited ${started.child.exitCode} before "${msg}": ${said}\n${started.stderr.join('')}`,
      );
    }
    if (Date.now() > until)
      throw new Error(`no "${msg}" within ${timeoutMs} ms: ${JSON.stringify(started.lines.slice(-5))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  await run(process.execPath, ['--import', 'tsx', 'build.ts'], { cwd: packageDir });
}, 180_000);

describe('the production build', () => {
  test(
    'the vigil CLI lists every command and each has --help, from the built bundle',
    { timeout: 120_000 },
    async () => {
      const { stdout } = await run(process.execPath, ['dist/vigil.js', '--help'], { cwd: packageDir });
      const commands = [
        'start',
        'migrate',
        'topics',
        'config',
        'rules',
        'verify-chain',
        'export-bundle',
        'verify-bundle',
        'tokens',
        'replay',
      ];
      for (const command of commands) expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
      const help = await run(process.execPath, ['dist/vigil.js', 'topics', '--help'], { cwd: packageDir });
      expect(help.stdout).toMatch(/^Usage: vigil topics apply/);
      for (const command of commands) {
        const out: string[] = [];
        expect(
          await runCli([command, '--help'], {}, { out: (line) => out.push(line), err: () => undefined }),
        ).toBe(0);
        expect(out.join('\n')).toMatch(new RegExp(`^Usage: vigil ${command}`));
      }
    },
  );

  test(
    'migrations come from the built package, not the source tree',
    { timeout: 60_000 },
    async ({ database }) => {
      const { stdout } = await run(process.execPath, ['dist/vigil.js', 'migrate'], {
        cwd: packageDir,
        env: { ...baseEnv(), DATABASE_URL: database.url },
      });
      expect(stdout).toMatch(/^applied 001_init\.sql, /);
      const { rows } = await database.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM schema_migrations',
      );
      expect(rows[0]!.n).toBeGreaterThanOrEqual(4);
    },
  );

  test(
    'refuses to start with NODE_ENV=production and a public development secret of config/dev.env',
    { timeout: 60_000 },
    async () => {
      const started = startCommand(['node', 'dist/api.js'], {
        ...baseEnv(),
        NODE_ENV: 'production',
        API_PORT: '0',
        API_TOKENS: 'dev:admin:7caa001d84f622505b1f3154b9cf80d402ed37e48488a0a69b092ae831f399ba',
      });
      expect(await started.exited).toBe(2);
      expect(started.stderr.join('')).toMatch(/refusing to start with NODE_ENV=production: API_TOKENS/);
    },
  );

  test.for(['ingest', 'detector', 'alerter', 'api'])(
    'compose service %s: its command drains on SIGTERM and exits 0',
    { timeout: 90_000 },
    async (service, { uid, kafkaBrokers, redisUrl, database }) => {
      const definition = compose.services[service]!;
      expect(definition.command?.slice(0, 2)).toEqual(['node', `dist/${service}.js`]);
      const started = startCommand(definition.command!, {
        ...baseEnv(),
        ...secrets,
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        KAFKA_BROKERS: kafkaBrokers.join(','),
        TOPIC_PREFIX: `${uid}.`,
        KAFKA_CLIENT_ID: uid,
        DETECTOR_GROUP: `${uid}-detector`,
        ALERTER_GROUP: `${uid}-alerter`,
        DETECTOR_KEY_PREFIX: `${uid}:det:`,
        NOTIFY_QUEUE: `${uid}-notify`,
        RESPONSE_TIMERS_QUEUE: `${uid}-timers`,
        REDIS_URL: redisUrl,
        DATABASE_URL: database.url,
        INGEST_PORT: '0',
        API_PORT: '0',
        DETECTOR_ADMIN_PORT: '0',
        ALERTER_ADMIN_PORT: '0',
        API_TOKENS: `ops:admin:${'ab'.repeat(32)}`,
        SOURCES_FILE: repo('config/sources.example.yaml'),
        OWNERS_FILE: repo('config/owners.example.yaml'),
        SHUTDOWN_TIMEOUT_MS: definition.environment?.SHUTDOWN_TIMEOUT_MS ?? '30000',
      });
      try {
        await waitFor(started, 'started', 60_000);
        expect(started.child.kill('SIGTERM')).toBe(true);
        expect(await started.exited).toBe(0);
        // Operators read stderr; a Node warning there on every start (kafkajs's negative timeout on Node 24 was one) is noise.
        expect(started.stderr.join('')).not.toMatch(/Warning/);
        const shutting = started.lines.find((l) => l.msg === 'shutting down');
        expect(shutting?.reason).toBe('SIGTERM');
        expect(started.lines.filter((l) => l.msg === 'stop failed')).toEqual([]);
        expect(started.lines.filter((l) => l.msg === 'stopped').map((l) => l.component)).toContain(service);
      } finally {
        if (started.child.exitCode === null) started.child.kill('SIGKILL');
      }
    },
  );

  test(
    'with an OTLP endpoint set, the api traces each request with its route, and its PostgreSQL queries inside it',
    { timeout: 90_000 },
    async ({ redisUrl, database }) => {
      type Span = {
        name: string;
        kind: number;
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        attributes?: Array<{ key: string; value: { stringValue?: string } }>;
      };
      const spans: Span[] = [];
      const collector = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          if (request.url === '/v1/traces') {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
              resourceSpans: Array<{ scopeSpans: Array<{ spans: Span[] }> }>;
            };
            for (const resource of body.resourceSpans)
              for (const scope of resource.scopeSpans) spans.push(...scope.spans);
          }
          response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        });
      });
      await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
      const port = (collector.address() as { port: number }).port;
      const token = 'otel-test-admin-token-0123456789';
      const started = startCommand(['node', 'dist/api.js'], {
        ...baseEnv(),
        ...secrets,
        NODE_ENV: 'production',
        REDIS_URL: redisUrl,
        DATABASE_URL: database.url,
        API_PORT: '0',
        API_TOKENS: `ops:admin:${createHash('sha256').update(token).digest('hex')}`,
        OWNERS_FILE: repo('config/owners.example.yaml'),
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
      });
      try {
        await run(process.execPath, ['dist/vigil.js', 'migrate'], {
          cwd: packageDir,
          env: { ...baseEnv(), DATABASE_URL: database.url },
        });
        await waitFor(started, 'api listening', 60_000);
        const url = started.lines.find((l) => l.msg === 'api listening')!.url as string;
        const response = await fetch(`${url}/v1/incidents?limit=5`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(response.status).toBe(200);
        expect((await fetch(`${url}/readyz`)).status).toBe(200);
        const until = Date.now() + 20_000;
        let server: Span | undefined;
        while (
          !(server = spans.find((s) => s.name === 'GET /v1/incidents')) ||
          !spans.some((s) => s.traceId === server!.traceId && /^pg\.query/.test(s.name))
        ) {
          if (Date.now() > until) throw new Error(`spans seen: ${spans.map((s) => s.name).join(', ')}`);
          await new Promise((r) => setTimeout(r, 200));
        }
        expect(server.kind).toBe(2); // SERVER
        expect(server.attributes).toContainEqual({
          key: 'http.route',
          value: { stringValue: '/v1/incidents' },
        });
        const query = spans.find((s) => s.traceId === server!.traceId && /^pg\.query/.test(s.name))!;
        expect(
          query.attributes?.find((a) => a.key === 'db.system' || a.key === 'db.system.name')?.value
            .stringValue,
        ).toBe('postgresql');
        // Probes are not traced: they would drown the traces.
        expect(spans.filter((s) => s.name.includes('/readyz'))).toEqual([]);
        expect(
          started.lines.filter((l) => typeof l.trace_id === 'string' && l.msg === 'request').length,
        ).toBeGreaterThan(0);
      } finally {
        if (started.child.exitCode === null) started.child.kill('SIGTERM');
        await started.exited;
        collector.close();
      }
    },
  );
});
