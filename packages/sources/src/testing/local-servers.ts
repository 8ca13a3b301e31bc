import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface LocalServer {
  url: string;
  port: number;
  /** Requests or connections seen, and the most ever open at once. */
  hits: number;
  maxConcurrent: number;
  close(): Promise<void>;
}

type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => unknown;

async function listen(server: http.Server | net.Server, scheme: string): Promise<LocalServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const state: LocalServer = {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    hits: 0,
    maxConcurrent: 0,
    close: () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  let open = 0;
  server.on(scheme === 'tcp' ? 'connection' : 'request', (_req: unknown, res?: http.ServerResponse) => {
    state.hits += 1;
    open += 1;
    state.maxConcurrent = Math.max(state.maxConcurrent, open);
    const done = () => {
      open -= 1;
    };
    if (res) res.once('close', done);
    else (_req as net.Socket).once('close', done);
  });
  return state;
}

/** An HTTP server on 127.0.0.1 with a random port. */
export function httpServer(handler: Handler): Promise<LocalServer> {
  return listen(
    http.createServer((req, res) => void handler(req, res)),
    'http',
  );
}

export function httpsServer(tls: { cert: string; key: string }, handler: Handler): Promise<LocalServer> {
  return listen(
    https.createServer(tls, (req, res) => void handler(req, res)),
    'https',
  );
}

/** A TCP server that accepts and closes connections. */
export function tcpServer(): Promise<LocalServer> {
  return listen(
    net.createServer((socket) => socket.end()),
    'tcp',
  );
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds or `timeoutMs` passes; throws with `what` on timeout. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
