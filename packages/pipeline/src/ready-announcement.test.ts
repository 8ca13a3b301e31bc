import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { recordingLogger } from '@vigil/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import { announceReady, reachableUrl } from './ready-announcement';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A port that answers /livez with 503 until `answering()` is called, like a server still starting. */
async function slowStarter(): Promise<{ url: string; answering(): void; asked(): number }> {
  let up = false;
  let asked = 0;
  const server = createServer((request, response) => {
    if (request.url === '/livez') asked += 1;
    response.writeHead(request.url === '/livez' && up ? 200 : 503).end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, answering: () => (up = true), asked: () => asked };
}

describe('ready lines', () => {
  it('says "<service> ready at <url>" only once the port answers, one line per service', async () => {
    const api = await slowStarter();
    const ingest = await slowStarter();
    ingest.answering();
    const logger = recordingLogger();
    const done = announceReady(
      [
        { name: 'api', url: api.url, stop: async () => undefined },
        { name: 'ingest', url: ingest.url, stop: async () => undefined },
        { name: 'detector', stop: async () => undefined },
      ],
      logger,
      { intervalMs: 20 },
    );
    await expect.poll(() => api.asked()).toBeGreaterThanOrEqual(2);
    expect(logger.lines.map((line) => line.fields.service)).not.toContain('api');
    api.answering();
    expect(await done).toBe(true);
    const ready = logger.lines.filter((line) => line.fields.ready === true);
    expect(ready.map((line) => line.msg).sort()).toEqual([
      `api ready at ${api.url} (dashboard ${api.url}/dashboard)`,
      'detector ready (no HTTP port of its own)',
      `ingest ready at ${ingest.url} (POST ${ingest.url}/v1/events/<source>)`,
    ]);
    expect(ready.find((line) => line.fields.service === 'api')?.fields.url).toBe(api.url);
  });

  it('says so, as a warning, when a port never answers', async () => {
    const never = await slowStarter();
    const logger = recordingLogger();
    expect(
      await announceReady([{ name: 'api', url: never.url, stop: async () => undefined }], logger, {
        timeoutMs: 150,
        intervalMs: 20,
      }),
    ).toBe(false);
    expect(logger.lines).toEqual([
      expect.objectContaining({ level: 'warn', msg: `api does not answer at ${never.url}/livez after 150 ms` }),
    ]);
  });

  it('names a wildcard listen address as localhost', () => {
    expect(reachableUrl('http://0.0.0.0:8080')).toBe('http://localhost:8080');
    expect(reachableUrl('http://[::]:8081')).toBe('http://localhost:8081');
    expect(reachableUrl('http://127.0.0.1:8081')).toBe('http://127.0.0.1:8081');
  });
});
