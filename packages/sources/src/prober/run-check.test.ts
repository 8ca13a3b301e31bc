import { systemClock } from '@vigil/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { closedPort, httpServer, httpsServer, sleep, tcpServer, type LocalServer } from '../testing/local-servers';
import { selfSignedCertificate } from '../testing/self-signed-cert';
import type { HttpCheck, TcpCheck } from './prober-config';
import { runCheck } from './run-check';

const DAY = 86_400_000;
const servers: LocalServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Parameters<typeof httpServer>[0]): Promise<LocalServer> {
  const server = await httpServer(handler);
  servers.push(server);
  return server;
}

function http(url: string, extra: Partial<HttpCheck> = {}): HttpCheck {
  return { name: 'web', service: 'web', type: 'http', url, method: 'GET', intervalMs: 10_000, timeoutMs: 2_000, ...extra };
}

const run = (check: HttpCheck | TcpCheck) => runCheck(check, { clock: systemClock, scheduledAt: 1_000 });

describe('runCheck over HTTP', () => {
  it('passes when the service answers 2xx with the expected body', async () => {
    const server = await serve((_req, res) => res.end('{"status":"ok"}'));
    const result = await run(http(`${server.url}/healthz`, { bodyContains: '"ok"', bodyMatches: '^\\{"status":' }));
    expect(result).toMatchObject({ ok: true, error: null, statusCode: 200, check: 'web', type: 'http', scheduledAt: 1_000 });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('fails on a wrong status, naming what was expected', async () => {
    const server = await serve((_req, res) => {
      res.statusCode = 503;
      res.end('down');
    });
    expect(await run(http(server.url))).toMatchObject({ ok: false, statusCode: 503, error: 'status 503, expected 2xx or 3xx' });
    expect(await run(http(server.url, { expectStatus: [200, 204] }))).toMatchObject({ error: 'status 503, expected 200 or 204' });
    expect(await run(http(server.url, { expectStatus: [503] }))).toMatchObject({ ok: true });
  });

  it('fails when the body does not contain or match what is expected', async () => {
    const server = await serve((_req, res) => res.end('maintenance'));
    const result = await run(http(server.url, { bodyContains: 'healthy', bodyMatches: '^ok$' }));
    expect(result).toMatchObject({ ok: false, statusCode: 200, error: 'body does not contain "healthy"; body does not match /^ok$/' });
  });

  it('fails a slow answer over the latency budget, with the latency measured', async () => {
    const server = await serve(async (_req, res) => {
      await sleep(300);
      res.end('ok');
    });
    const result = await run(http(server.url, { latencyBudgetMs: 100 }));
    expect(result.ok).toBe(false);
    expect(result.latencyMs).toBeGreaterThanOrEqual(290);
    expect(result.error).toMatch(/^latency \d+ ms over the 100 ms budget$/);
  });

  it('fails on a refused connection', async () => {
    const port = await closedPort();
    expect(await run(http(`http://127.0.0.1:${port}/`))).toMatchObject({ ok: false, latencyMs: null, error: `connection refused by 127.0.0.1:${port}` });
  });

  it('fails after the timeout when the service never answers', async () => {
    const server = await serve(() => undefined);
    const started = performance.now();
    const result = await run(http(server.url, { timeoutMs: 200 }));
    expect(result).toMatchObject({ ok: false, latencyMs: null, error: 'timed out after 200 ms' });
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('reports the days left on the TLS certificate and fails under the minimum', async () => {
    const now = Date.now();
    const soon = selfSignedCertificate({ notBefore: new Date(now - DAY), notAfter: new Date(now + 10 * DAY + 3_600_000) });
    const server = await httpsServer(soon, (_req, res) => res.end('ok'));
    servers.push(server);
    const result = await run(http(server.url, { tlsCa: soon.cert, tlsMinDaysLeft: 14 }));
    expect(result).toMatchObject({ ok: false, statusCode: 200, tlsDaysLeft: 10, error: 'TLS certificate expires in 10 days, under the minimum of 14' });

    const later = selfSignedCertificate({ notBefore: new Date(now - DAY), notAfter: new Date(now + 100 * DAY + 3_600_000) });
    const good = await httpsServer(later, (_req, res) => res.end('ok'));
    servers.push(good);
    expect(await run(http(good.url, { tlsCa: later.cert, tlsMinDaysLeft: 14 }))).toMatchObject({ ok: true, tlsDaysLeft: 100 });
  });

  it('fails on a certificate it cannot verify', async () => {
    const now = Date.now();
    const tls = selfSignedCertificate({ notBefore: new Date(now - DAY), notAfter: new Date(now + 30 * DAY) });
    const server = await httpsServer(tls, (_req, res) => res.end('ok'));
    servers.push(server);
    const result = await run(http(server.url));
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^TLS: self[- ]signed certificate/);
  });
});

describe('runCheck over TCP', () => {
  it('passes when the port accepts a connection, fails when refused', async () => {
    const server = await tcpServer();
    servers.push(server);
    const tcp = (port: number, extra: Partial<TcpCheck> = {}): TcpCheck => ({
      name: 'db', service: 'db', type: 'tcp', host: '127.0.0.1', port, intervalMs: 10_000, timeoutMs: 1_000, ...extra,
    });
    const up = await run(tcp(server.port));
    expect(up).toMatchObject({ ok: true, error: null, type: 'tcp', target: `127.0.0.1:${server.port}` });
    expect(up.latencyMs).toBeGreaterThanOrEqual(0);
    const port = await closedPort();
    expect(await run(tcp(port))).toMatchObject({ ok: false, latencyMs: null, error: `connection refused by 127.0.0.1:${port}` });
    expect(server.hits).toBe(1);
  });
});
