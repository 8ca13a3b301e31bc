import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedRequest, ScriptedAnswer } from './okta-log-standin';

/**
 * A local stand-in for Cloudflare's account Audit Logs API: v2 `GET /client/v4/accounts/{id}/logs/audit`
 * (`since`, `before`, `limit`, `direction`, `cursor`; `result_info.cursor` while more are left) and v1
 * `GET /client/v4/accounts/{id}/audit_logs` (`since`, `before`, `per_page`, `page`; `result_info.total_count`),
 * in Cloudflare's `{success, errors, messages, result, result_info}` envelope. Entries are served in time
 * order, `since` ≤ time < `before`; scripted answers (429, 5xx) come first; every request is recorded.
 */
export class CloudflareAuditStandin {
  readonly requests: RecordedRequest[] = [];
  /** Entries in the v1 or v2 API shape; the time is read from `when` or `action.time`. */
  readonly entries: Array<Record<string, unknown>> = [];
  readonly scripted: ScriptedAnswer[] = [];
  private server: http.Server | undefined;
  /** The API base, `http://127.0.0.1:<port>/client/v4`. */
  url = '';

  constructor(
    private readonly token: string,
    private readonly accountId: string,
  ) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.answer(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/client/v4`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests.push({ url: req.url ?? '', authorization: req.headers.authorization, at: Date.now() });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://standin');
    const v2 = url.pathname === `/client/v4/accounts/${this.accountId}/logs/audit`;
    const v1 = url.pathname === `/client/v4/accounts/${this.accountId}/audit_logs`;
    if (!v1 && !v2) return send(404, { success: false, errors: [{ code: 7003, message: 'No route for that URI' }], messages: [], result: null });
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return send(403, { success: false, errors: [{ code: 10000, message: 'Authentication error' }], messages: [], result: null });
    }
    const scripted = this.scripted.shift();
    if (scripted) return send(scripted.status, scripted.body ?? { success: false, errors: [], messages: [], result: null }, scripted.headers);

    const since = Date.parse(url.searchParams.get('since') ?? '1970-01-01T00:00:00Z');
    const before = Date.parse(url.searchParams.get('before') ?? '2100-01-01T00:00:00Z');
    const inWindow = this.entries
      .map((entry) => ({ entry, time: Date.parse(String(entry.when ?? (entry.action as { time?: string } | undefined)?.time)) }))
      .filter(({ time }) => time >= since && time < before)
      .sort((a, b) => a.time - b.time)
      .map(({ entry }) => entry);
    if (v2) {
      const limit = Number(url.searchParams.get('limit') ?? '100');
      const offset = Number(Buffer.from(url.searchParams.get('cursor') ?? 'MA==', 'base64').toString('utf8'));
      const result = inWindow.slice(offset, offset + limit);
      const more = offset + limit < inWindow.length;
      const cursor = more ? Buffer.from(String(offset + limit)).toString('base64') : '';
      return send(200, { success: true, errors: [], messages: [], result, result_info: { count: result.length, cursor } });
    }
    const perPage = Number(url.searchParams.get('per_page') ?? '25');
    const page = Number(url.searchParams.get('page') ?? '1');
    const result = inWindow.slice((page - 1) * perPage, page * perPage);
    return send(200, { success: true, errors: [], messages: [], result, result_info: { page, per_page: perPage, count: result.length, total_count: inWindow.length } });
  }
}
