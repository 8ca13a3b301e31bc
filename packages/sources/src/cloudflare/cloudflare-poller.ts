import type { Bus } from '@vigil/bus';
import type { Clock } from '@vigil/runtime';
import type { TopicNames } from '@vigil/schema';
import type { Logger } from '@vigil/telemetry';
import {
  ensureOktaPollerSchema as ensureCursorSchema,
  loadCursor,
  type SqlPool,
} from '../okta-poller/cursor-store';
import { PollControl, runPoller } from '../polling/poll-control';
import type { CountryLookup } from '../ip-country-table';
import { persistCursor, publishPage } from '../polling/poll-steps';
import { deliverySource } from '../replay/delivery-source';
import {
  AuditPage,
  firstWindowUrl,
  nextUrl,
  withWindowEnd,
  type AuditApiVersion,
} from './cloudflare-audit-api';

export interface CloudflarePollerOptions {
  bus: Bus;
  topics: TopicNames;
  /** Where the cursor is kept (table `source_poll_cursors`, shared with the Okta poller). */
  pool: SqlPool;
  /** `https://api.cloudflare.com/client/v4` (a stand-in in tests); the token is only ever sent there. */
  apiUrl: string;
  accountId: string;
  /** An API token with Account › Access: Audit Logs › Read, sent as `Authorization: Bearer <token>`. */
  token: string;
  /** `v2` (`/accounts/{id}/logs/audit`, cursor pages) or `v1` (`/accounts/{id}/audit_logs`, numbered pages). */
  version: AuditApiVersion;
  logger: Logger;
  clock: Clock;
  /** Wait once caught up before asking for the next window. */
  pollIntervalMs: number;
  /** The events' source: the same name as the Logpush source gives the same ids, so overlap is one event. */
  sourceName: string;
  /** Entries per page. Default 500. */
  limit?: number;
  /** Where the very first poll starts when no cursor is saved (ISO time). Default one hour before start. */
  since?: string;
  /** A window ends this long before now, so entries Cloudflare writes late are not skipped. Default 60 s. */
  settleMs?: number;
  retry?: { initialMs: number; maxMs: number };
  requestTimeoutMs?: number;
  /** The country of an actor's address (GEOIP_COUNTRY_FILE): Cloudflare's entries name none. */
  countryOf?: CountryLookup;
}

export interface CloudflarePollerStats {
  pages: number;
  published: number;
  deadLettered: number;
  rateLimitWaits: number;
  failures: number;
}

export interface CloudflarePoller {
  stats(): CloudflarePollerStats;
  /** Stops polling; a page whose publish was acknowledged still gets its cursor saved. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Polls Cloudflare's account Audit Logs API and publishes its entries through the Cloudflare normaliser.
 * Each request covers a window `[since, before)`; the next request (the next page of the window, or the
 * window after it) is saved in PostgreSQL only after the page's events were acknowledged, so a restart
 * resumes at the first unacknowledged page: nothing is lost, and a page comes twice only when the
 * process died between the acknowledgement and the cursor write (harmless: ids are Cloudflare's).
 */
export function startCloudflarePoller(options: CloudflarePollerOptions): CloudflarePoller {
  const { bus, topics, pool, token, clock, sourceName, version } = options;
  const logger = options.logger.child({ component: 'cloudflare-poller', source: sourceName });
  const api = {
    base: options.apiUrl.replace(/\/+$/, ''),
    accountId: options.accountId,
    version,
    limit: Math.min(Math.max(1, options.limit ?? 500), 1000),
  };
  const settleMs = options.settleMs ?? 60_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const source = deliverySource(sourceName, 'cloudflare');
  const stats: CloudflarePollerStats = {
    pages: 0,
    published: 0,
    deadLettered: 0,
    rateLimitWaits: 0,
    failures: 0,
  };
  const control = new PollControl(logger, options.retry ?? { initialMs: 1_000, maxMs: 60_000 }, () => {
    stats.failures += 1;
  });
  const sink = {
    bus,
    topics,
    clock,
    logger,
    label: 'Cloudflare',
    ...(options.countryOf ? { countryOf: options.countryOf } : {}),
  };
  const origin = new URL(api.base).origin;
  const sameApi = (url: string) => {
    try {
      return new URL(url).origin === origin && url.startsWith(api.base);
    } catch {
      return false;
    }
  };

  const start = async (): Promise<string | undefined> => {
    while (!control.stopped) {
      try {
        await ensureCursorSchema(pool);
        const saved = await loadCursor(pool, sourceName);
        const resumed = saved !== undefined && sameApi(saved);
        if (saved !== undefined && !resumed)
          logger.warn(
            { apiUrl: api.base },
            'the saved cursor belongs to another API; starting over from `since`',
          );
        logger.info({ resumed, version }, 'Cloudflare audit log poller started');
        return resumed
          ? saved
          : firstWindowUrl(api, options.since ?? new Date(clock.now() - 3_600_000).toISOString());
      } catch (error) {
        await control.backOff('reading the Cloudflare cursor failed', error, 'error');
      }
    }
    return undefined;
  };

  /** One request: the page, or undefined after waiting (rate limit, failure). */
  const fetchPage = async (url: string): Promise<AuditPage | undefined> => {
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: AbortSignal.any([control.signal, AbortSignal.timeout(requestTimeoutMs)]),
      });
    } catch (error) {
      if (!control.stopped) await control.backOff('requesting the Cloudflare audit logs failed', error);
      return undefined;
    }
    if (response.status === 429) {
      await response.body?.cancel();
      stats.rateLimitWaits += 1;
      const retryAfter = Number(response.headers.get('retry-after'));
      const waitMs =
        Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, 300_000) : 60_000;
      logger.warn({ waitMs }, 'Cloudflare rate limit reached (429); waiting');
      await control.sleep(waitMs);
      return undefined;
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      const refused = response.status === 401 || response.status === 403;
      await control.backOff(
        refused
          ? `Cloudflare refused the API token (${response.status})`
          : `Cloudflare answered ${response.status}`,
        new Error(text.slice(0, 500) || response.statusText),
        refused ? 'error' : 'warn',
      );
      return undefined;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      await control.backOff('the Cloudflare answer was not JSON', error);
      return undefined;
    }
    const page = AuditPage.safeParse(body);
    if (!page.success || !page.data.success) {
      await control.backOff(
        'the Cloudflare answer was not a page of audit logs',
        new Error(text.slice(0, 500)),
      );
      return undefined;
    }
    return page.data;
  };

  const run = async () => {
    let url = await start();
    while (!control.stopped && url !== undefined) {
      // A window gets its end when first asked for, and keeps it for all its pages.
      const windowed = withWindowEnd(url, clock.now() - settleMs);
      if (windowed === undefined) {
        await control.sleep(options.pollIntervalMs);
        continue;
      }
      const page = await fetchPage(windowed);
      if (page === undefined) continue;
      stats.pages += 1;
      if (
        page.result.length > 0 &&
        !(await publishPage(control, sink, source, page.result, page.result.length, stats))
      )
        break;
      const next = nextUrl(api, windowed, page);
      if (!(await persistCursor(control, pool, sourceName, next.url, 'Cloudflare'))) break;
      url = next.url;
      control.succeeded();
      if (next.caughtUp) await control.sleep(options.pollIntervalMs);
    }
  };

  return runPoller(control, logger, 'Cloudflare audit log poller', stats, run);
}
