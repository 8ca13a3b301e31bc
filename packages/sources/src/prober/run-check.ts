import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { TLSSocket } from 'node:tls';
import type { Clock } from '@vigil/runtime';
import type { HttpCheck, ProbeCheck, TcpCheck } from './prober-config';

/** What one run of a check measured. Serialisable: it is kept as the event's `raw`. */
export interface CheckResult {
  check: string;
  type: ProbeCheck['type'];
  target: string;
  /** Epoch ms the run was due; with the check name it identifies the run. */
  scheduledAt: number;
  /** Epoch ms the run started (the injected clock). */
  startedAt: number;
  ok: boolean;
  /** Time to the full response (HTTP) or to the connection (TCP); null when there was none. */
  latencyMs: number | null;
  /** Every reason the check failed, joined; null when it passed. */
  error: string | null;
  statusCode?: number;
  tlsDaysLeft?: number;
}

/** The body is read up to this many bytes for matching; a larger body is cut, not an error. */
const MAX_BODY_BYTES = 256 * 1024;
const DAY_MS = 86_400_000;

class ProbeTimeout extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

/** Turns socket and TLS errors into what an on-call engineer would say. */
function describeError(error: unknown, target: string): string {
  if (error instanceof ProbeTimeout) return error.message;
  const e = error as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ECONNREFUSED':
      return `connection refused by ${target}`;
    case 'ECONNRESET':
      return 'connection reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `DNS lookup failed for ${target}`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${target} unreachable`;
    default:
      if (e.code && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(e.code)) return `TLS: ${e.message}`;
      return e.message || String(error);
  }
}

interface HttpMeasurement {
  statusCode: number;
  body: string;
  latencyMs: number;
  tlsDaysLeft?: number;
}

function measureHttp(check: HttpCheck, clock: Clock): Promise<HttpMeasurement> {
  return new Promise((resolvePromise, reject) => {
    const url = new URL(check.url);
    const started = performance.now();
    let tlsDaysLeft: number | undefined;
    const timeout = new ProbeTimeout(check.timeoutMs);
    let timedOut = false;
    // A timeout surfaces as whatever error the aborted socket raises; report it as the timeout.
    const fail = (error: unknown) => {
      clearTimeout(timer);
      reject(timedOut ? timeout : error);
    };
    const options: https.RequestOptions = {
      method: check.method,
      agent: false,
      headers: { 'user-agent': 'vigil-prober', accept: '*/*', connection: 'close' },
      ...(check.tlsCa ? { ca: check.tlsCa } : {}),
    };
    const request = (url.protocol === 'https:' ? https : http).request(url, options, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () => {
        clearTimeout(timer);
        resolvePromise({
          statusCode: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          latencyMs: Math.round(performance.now() - started),
          ...(tlsDaysLeft !== undefined ? { tlsDaysLeft } : {}),
        });
      };
      response.on('data', (chunk: Buffer) => {
        if (size >= MAX_BODY_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_BODY_BYTES) {
          finish();
          request.destroy();
        }
      });
      response.on('end', finish);
      response.on('error', fail);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      request.destroy(timeout);
    }, check.timeoutMs);
    request.on('socket', (socket) => {
      if (!(socket instanceof TLSSocket)) return;
      socket.once('secureConnect', () => {
        const validTo = socket.getPeerCertificate().valid_to;
        if (validTo) tlsDaysLeft = Math.floor((Date.parse(validTo) - clock.now()) / DAY_MS);
      });
    });
    request.on('error', fail);
    request.end();
  });
}

function statusAccepted(check: HttpCheck, status: number): boolean {
  return check.expectStatus ? check.expectStatus.includes(status) : status >= 200 && status < 400;
}

async function runHttp(check: HttpCheck, clock: Clock): Promise<Omit<CheckResult, 'scheduledAt' | 'startedAt' | 'check' | 'type' | 'target'>> {
  let m: HttpMeasurement;
  try {
    m = await measureHttp(check, clock);
  } catch (error) {
    return { ok: false, latencyMs: null, error: describeError(error, new URL(check.url).host) };
  }
  const problems: string[] = [];
  if (!statusAccepted(check, m.statusCode)) {
    problems.push(`status ${m.statusCode}, expected ${check.expectStatus ? check.expectStatus.join(' or ') : '2xx or 3xx'}`);
  }
  if (check.bodyContains !== undefined && !m.body.includes(check.bodyContains)) {
    problems.push(`body does not contain ${JSON.stringify(check.bodyContains)}`);
  }
  if (check.bodyMatches !== undefined && !new RegExp(check.bodyMatches).test(m.body)) {
    problems.push(`body does not match /${check.bodyMatches}/`);
  }
  if (check.latencyBudgetMs !== undefined && m.latencyMs > check.latencyBudgetMs) {
    problems.push(`latency ${m.latencyMs} ms over the ${check.latencyBudgetMs} ms budget`);
  }
  if (check.tlsMinDaysLeft !== undefined && m.tlsDaysLeft !== undefined && m.tlsDaysLeft < check.tlsMinDaysLeft) {
    problems.push(`TLS certificate expires in ${m.tlsDaysLeft} days, under the minimum of ${check.tlsMinDaysLeft}`);
  }
  return {
    ok: problems.length === 0,
    latencyMs: m.latencyMs,
    error: problems.length === 0 ? null : problems.join('; '),
    statusCode: m.statusCode,
    ...(m.tlsDaysLeft !== undefined ? { tlsDaysLeft: m.tlsDaysLeft } : {}),
  };
}

function measureTcp(check: TcpCheck): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const socket = net.connect({ host: check.host, port: check.port });
    const timer = setTimeout(() => socket.destroy(new ProbeTimeout(check.timeoutMs)), check.timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      const latency = Math.round(performance.now() - started);
      socket.end();
      socket.destroy();
      resolvePromise(latency);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function runTcp(check: TcpCheck): Promise<Omit<CheckResult, 'scheduledAt' | 'startedAt' | 'check' | 'type' | 'target'>> {
  let latencyMs: number;
  try {
    latencyMs = await measureTcp(check);
  } catch (error) {
    return { ok: false, latencyMs: null, error: describeError(error, `${check.host}:${check.port}`) };
  }
  if (check.latencyBudgetMs !== undefined && latencyMs > check.latencyBudgetMs) {
    return { ok: false, latencyMs, error: `latency ${latencyMs} ms over the ${check.latencyBudgetMs} ms budget` };
  }
  return { ok: true, latencyMs, error: null };
}

export function checkTarget(check: ProbeCheck): string {
  return check.type === 'http' ? check.url : `${check.host}:${check.port}`;
}

/**
 * Runs a check once. Never rejects: every way the target can fail is a failed result with a reason.
 * Settles within the check's timeout (plus scheduling noise).
 */
export async function runCheck(check: ProbeCheck, options: { clock: Clock; scheduledAt?: number }): Promise<CheckResult> {
  const startedAt = options.clock.now();
  const measured = check.type === 'http' ? await runHttp(check, options.clock) : await runTcp(check);
  return {
    check: check.name,
    type: check.type,
    target: checkTarget(check),
    scheduledAt: options.scheduledAt ?? startedAt,
    startedAt,
    ...measured,
  };
}
