import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  /** Path and query as requested. */
  url: string;
  authorization: string | undefined;
  at: number;
}

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * A local stand-in for Okta's System Log API (`GET /api/v1/logs`): pages with `Link: rel="next"`
 * (`after` cursors), rate-limit headers, scripted answers (429, 5xx), and a record of every request.
 */
export class OktaLogStandin {
  readonly requests: RecordedRequest[] = [];
  readonly events: Array<Record<string, unknown>> = [];
  /** Answered, in order, before any page. */
  readonly scripted: ScriptedAnswer[] = [];
  /** X-Rate-Limit-Remaining on pages; counts down from `rateLimit` unless set. */
  remaining: number | undefined;
  rateLimit = 100;
  /** Epoch seconds sent as X-Rate-Limit-Reset on pages. */
  resetAt = () => Math.ceil(Date.now() / 1000) + 60;
  /** Where rel="next" points; tests change it to check the poller stays on the org. */
  linkOrigin: string | undefined;
  private server: http.Server | undefined;
  url = '';

  constructor(private readonly token: string) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.answer(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Requests for pages (answered or not), newest last. */
  pageRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.url.startsWith('/api/v1/logs'));
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests.push({ url: req.url ?? '', authorization: req.headers.authorization, at: Date.now() });
    const send = (status: number, body: unknown, headers: Record<string, string | string[]> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', this.url);
    if (req.method !== 'GET' || url.pathname !== '/api/v1/logs') return send(404, { errorCode: 'E0000022' });
    if (req.headers.authorization !== `SSWS ${this.token}`) {
      return send(401, { errorCode: 'E0000011', errorSummary: 'Invalid token provided' });
    }
    const scripted = this.scripted.shift();
    if (scripted) return send(scripted.status, scripted.body ?? { errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.' }, scripted.headers);

    const limit = Math.min(Number(url.searchParams.get('limit') ?? 100), 1000);
    const after = url.searchParams.get('after');
    const since = url.searchParams.get('since');
    let start = 0;
    if (after !== null) start = Number(after.replace(/^c/, ''));
    else if (since !== null) {
      const found = this.events.findIndex((e) => Date.parse(String(e.published)) >= Date.parse(since));
      start = found === -1 ? this.events.length : found;
    }
    const page = this.events.slice(start, start + limit);
    const origin = this.linkOrigin ?? this.url;
    const next = `${origin}/api/v1/logs?limit=${limit}&after=c${start + page.length}`;
    const remaining = this.remaining ?? Math.max(this.rateLimit - this.pageRequests().length, 0);
    send(200, page, {
      link: [`<${this.url}${req.url ?? ''}>; rel="self"`, `<${next}>; rel="next"`],
      'x-rate-limit-limit': String(this.rateLimit),
      'x-rate-limit-remaining': String(remaining),
      'x-rate-limit-reset': String(this.resetAt()),
    });
  }
}
