import { systemClock } from '@vigil/runtime';
import { topicNames, VigilEvent } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import { httpServer, sleep, tcpServer, waitFor, type LocalServer } from '../testing/local-servers';
import { RecordingBus } from '../testing/recording-bus';
import { recordingLogger } from '@vigil/telemetry';
import { startProber, type Prober } from './prober';
import type { HttpCheck, TcpCheck } from './prober-config';

const topics = topicNames('test.');
const servers: LocalServer[] = [];
const probers: Prober[] = [];
afterEach(async () => {
  await Promise.all(probers.splice(0).map((p) => p.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function tcp(port: number, extra: Partial<TcpCheck> = {}): TcpCheck {
  return { name: 'db-port', service: 'db-main', type: 'tcp', host: '127.0.0.1', port, intervalMs: 100, timeoutMs: 80, ...extra };
}

function start(options: Partial<Parameters<typeof startProber>[0]> & { checks: Parameters<typeof startProber>[0]['checks'] }) {
  const prober = startProber({
    bus: new RecordingBus(),
    topics,
    logger: silentLogger,
    clock: systemClock,
    region: 'eu-west-1',
    random: () => 0,
    retry: { initialMs: 20, maxMs: 50 },
    ...options,
  });
  probers.push(prober);
  return prober;
}

function events(bus: RecordingBus): VigilEvent[] {
  return bus.values(topics.events).map((value) => VigilEvent.parse(value));
}

describe('prober', () => {
  it('produces one uptime_check event per run to the events topic, keyed by service, with a stable id per scheduled time', async () => {
    const server = await tcpServer();
    servers.push(server);
    const bus = new RecordingBus();
    const prober = start({ bus, checks: [tcp(server.port)] });
    await waitFor(() => (bus.written.get(topics.events)?.length ?? 0) >= 3, 'three results');
    await prober.stop();

    expect(prober.source).toBe('prober-eu-west-1');
    expect(bus.written.get(topics.events)?.every((m) => m.key === 'service:db-main')).toBe(true);
    const [first, second, third] = events(bus);
    expect(first).toMatchObject({
      source: 'prober-eu-west-1',
      kind: 'uptime_check',
      action: 'tcp',
      entity: { type: 'service', id: 'db-main' },
      outcome: 'success',
      attributes: { 'vigil.check': 'db-port', 'vigil.region': 'eu-west-1', 'vigil.error': null, 'probe.target': `127.0.0.1:${server.port}` },
    });
    expect(first?.attributes['vigil.latency_ms']).toEqual(expect.any(Number));
    const scheduled = [first, second, third].map((e) => Date.parse(String(e?.attributes['probe.scheduled_at'])));
    expect([first, second, third].map((e) => e?.id)).toEqual(scheduled.map((at) => `prober-eu-west-1:db-port:${new Date(at).toISOString()}`));
    // Fixed rate: runs are due on the interval's grid, whatever each took (a slot missed on a starved
    // machine is skipped, never run late or twice).
    for (const gap of [scheduled[1]! - scheduled[0]!, scheduled[2]! - scheduled[1]!]) {
      expect(gap).toBeGreaterThan(0);
      expect(gap % 100).toBe(0);
    }
  });

  it('reports a failing service as failure with the reason', async () => {
    const server = await httpServer((_req, res) => {
      res.statusCode = 500;
      res.end();
    });
    servers.push(server);
    const bus = new RecordingBus();
    const check: HttpCheck = { name: 'api', service: 'api', type: 'http', url: server.url, method: 'GET', intervalMs: 200, timeoutMs: 150 };
    const prober = start({ bus, checks: [check] });
    await waitFor(() => (bus.written.get(topics.events)?.length ?? 0) >= 1, 'a result');
    await prober.stop();
    expect(events(bus)[0]).toMatchObject({
      outcome: 'failure',
      action: 'http',
      attributes: { 'vigil.error': 'status 500, expected 2xx or 3xx', 'http.response.status_code': 500 },
    });
  });

  it('never overlaps two runs of one check: a run still going when the next is due makes that one skipped', async () => {
    const server = await httpServer(async (_req, res) => {
      await sleep(250);
      res.end('ok');
    });
    servers.push(server);
    const bus = new RecordingBus();
    // Built by hand: the config loader refuses a timeout longer than the interval.
    const check: HttpCheck = { name: 'slow', service: 'slow', type: 'http', url: server.url, method: 'GET', intervalMs: 100, timeoutMs: 1_000 };
    const prober = start({ bus, checks: [check] });
    await waitFor(() => prober.stats().runs >= 2, 'two runs');
    await prober.stop();
    expect(server.maxConcurrent).toBe(1);
    expect(prober.stats().skipped).toBeGreaterThanOrEqual(2);
  });

  it('runs only the checks for its region and those without regions', async () => {
    const server = await tcpServer();
    servers.push(server);
    const prober = start({
      checks: [tcp(server.port, { name: 'everywhere' }), tcp(server.port, { name: 'us-only', regions: ['us-east-1'] }), tcp(server.port, { name: 'eu', regions: ['eu-west-1'] })],
    });
    expect(prober.checks.map((c) => c.name)).toEqual(['everywhere', 'eu']);
  });

  it('spreads first runs over one interval (jitter)', async () => {
    const server = await tcpServer();
    servers.push(server);
    const bus = new RecordingBus();
    const startedAt = Date.now();
    const prober = start({ bus, random: () => 0.5, checks: [tcp(server.port, { intervalMs: 400, timeoutMs: 100 })] });
    await waitFor(() => prober.stats().runs >= 1, 'a run');
    await prober.stop();
    const firstDue = Date.parse(String(events(bus)[0]?.attributes['probe.scheduled_at']));
    expect(firstDue - startedAt).toBeGreaterThanOrEqual(195);
    expect(firstDue - startedAt).toBeLessThan(300);
  });

  it('holds results while the bus is down and publishes them, in order, once it is back', async () => {
    const server = await tcpServer();
    servers.push(server);
    const bus = new RecordingBus();
    bus.down = true;
    const logger = recordingLogger();
    const prober = start({ bus, logger, checks: [tcp(server.port)] });
    await waitFor(() => prober.stats().runs >= 4, 'four runs while down');
    expect(bus.written.size).toBe(0);
    expect(prober.stats().buffered).toBeGreaterThanOrEqual(4);
    bus.down = false;
    await waitFor(() => prober.stats().buffered === 0 && prober.stats().published >= 4, 'the backlog published');
    await prober.stop();
    const ids = events(bus).map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(prober.stats().dropped).toBe(0);
    expect(logger.lines.some((l) => l.level === 'warn' && l.msg?.includes('bus unavailable'))).toBe(true);
  });

  it('drops the oldest results when its buffer is full, counts them and logs it loudly', async () => {
    const server = await tcpServer();
    servers.push(server);
    const bus = new RecordingBus();
    bus.down = true;
    const logger = recordingLogger();
    const startedAt = Date.now();
    const prober = start({ bus, logger, maxBuffered: 2, checks: [tcp(server.port)] });
    await waitFor(() => prober.stats().runs >= 5, 'five runs while down');
    bus.down = false;
    await waitFor(() => prober.stats().buffered === 0 && prober.stats().published > 0, 'the backlog published');
    await prober.stop();
    const stats = prober.stats();
    expect(stats.dropped).toBeGreaterThanOrEqual(3);
    expect(stats.published + stats.dropped).toBe(stats.runs);
    // The oldest went: the first result published is at least the third run (runs are 100 ms apart).
    const firstPublished = Date.parse(String(events(bus)[0]?.attributes['probe.scheduled_at']));
    expect(firstPublished - startedAt).toBeGreaterThanOrEqual(200);
    const dropLines = logger.lines.filter((l) => l.level === 'error' && l.msg?.startsWith('DROPPED check results'));
    expect(dropLines[0]?.fields).toMatchObject({ dropped: 1, maxBuffered: 2, topic: topics.events });
    expect(logger.lines.some((l) => l.level === 'error' && l.msg?.includes('bus available again') && Number(l.fields.droppedThisOutage) >= 3)).toBe(true);
  });

  it('stop() is idempotent, stops scheduling, and counts what the bus never took as dropped', async () => {
    const server = await tcpServer();
    servers.push(server);
    const bus = new RecordingBus();
    const logger = recordingLogger();
    const prober = start({ bus, logger, stopTimeoutMs: 200, checks: [tcp(server.port)] });
    await waitFor(() => prober.stats().published >= 1, 'a result');
    bus.down = true;
    await waitFor(() => prober.stats().buffered >= 1, 'a held result');
    await Promise.all([prober.stop(), prober.stop()]);
    await prober.stop();
    const hitsAtStop = server.hits;
    const stats = prober.stats();
    await sleep(300);
    expect(server.hits).toBe(hitsAtStop);
    expect(stats.buffered).toBe(0);
    expect(stats.published + stats.dropped).toBe(stats.runs);
    expect(logger.lines.some((l) => l.level === 'error' && l.msg === 'DROPPED check results: the prober stopped before the bus took them')).toBe(true);
  });
});
