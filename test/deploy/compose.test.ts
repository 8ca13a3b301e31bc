/**
 * docker-compose.yml as Docker would read it: validated by Debian's `docker-compose config` (no container
 * engine needed; .ci/run installs it), then checked for what an operator relies on.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: Array<string | { source: string; target: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
}
let config: { services: Record<string, Service>; volumes: Record<string, unknown> };

const seconds = (duration: string) => Number(/^(\d+)s$/.exec(duration)?.[1] ?? NaN);
const volumeTargets = (service: Service) => (service.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[1] : v.target));

beforeAll(async () => {
  // A copy beside an .env of its own, so a developer's real .env is neither read nor needed.
  const dir = mkdtempSync(join(tmpdir(), 'vigil-compose-'));
  copyFileSync(repo('docker-compose.yml'), join(dir, 'docker-compose.yml'));
  copyFileSync(repo('config/vigil.env.example'), join(dir, '.env'));
  writeFileSync(join(dir, '.env'), 'POSTGRES_PASSWORD=compose-test-password\n', { flag: 'a' });
  const { stdout } = await run('docker-compose', ['--project-directory', dir, '-f', join(dir, 'docker-compose.yml'), 'config'], { cwd: dir });
  config = parseYaml(stdout) as typeof config;
}, 60_000);

const vigilServices = ['ingest', 'detector', 'alerter', 'api'];

describe('docker-compose.yml', () => {
  it('runs each service as node dist/<service>.js from the image, never through pnpm or tsx', () => {
    for (const name of vigilServices) expect(config.services[name]!.command).toEqual(['node', `dist/${name}.js`]);
    for (const service of Object.values(config.services)) expect(JSON.stringify(service.command ?? [])).not.toMatch(/pnpm|tsx/);
  });

  it('gives every Vigil service more stop time than its drain timeout', () => {
    for (const name of vigilServices) {
      const service = config.services[name]!;
      expect(seconds(service.stop_grace_period!) * 1000).toBeGreaterThan(Number(service.environment!.SHUTDOWN_TIMEOUT_MS));
    }
  });

  it('keeps the register, Redis (append-only) and Kafka in named volumes', () => {
    expect(Object.keys(config.volumes).sort()).toEqual(['kafka-data', 'postgres-data', 'redis-data']);
    expect(volumeTargets(config.services.postgres!)).toEqual(['/var/lib/postgresql/data']);
    expect(volumeTargets(config.services.redis!)).toEqual(['/data']);
    expect(config.services.redis!.command?.join(' ')).toContain('--appendonly yes');
    expect(volumeTargets(config.services.kafka!)).toEqual([config.services.kafka!.environment!.KAFKA_LOG_DIRS]);
  });

  it('starts services only once their dependencies are healthy, migrated and the topics exist', () => {
    for (const name of ['kafka', 'redis', 'postgres']) expect(config.services[name]!.healthcheck?.test?.length).toBeGreaterThan(0);
    for (const name of vigilServices) {
      expect(config.services[name]!.depends_on).toEqual({
        migrate: { condition: 'service_completed_successfully' },
        'kafka-topics': { condition: 'service_completed_successfully' },
        redis: { condition: 'service_healthy' },
        postgres: { condition: 'service_healthy' },
      });
      expect(config.services[name]!.environment!.VIGIL_HEALTH_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/livez$/);
    }
    expect(config.services['kafka-topics']!.command).toEqual(['node', 'dist/vigil.js', 'topics', 'apply', '--replication', '1']);
    expect(config.services.migrate!.command).toEqual(['node', 'dist/vigil.js', 'migrate']);
  });

  it('carries no development secret: config/dev.env is not used', async () => {
    const text = (await import('node:fs')).readFileSync(repo('docker-compose.yml'), 'utf8');
    expect(text).not.toContain('dev.env');
    expect(text).not.toMatch(/change-me/);
  });
});
