import type { Bus } from '@vigil/bus';
import type { Clock } from '@vigil/runtime';
import { PollControl, runPoller } from '../polling/poll-control';
import type { TopicNames } from '@vigil/schema';
import type { Logger } from '@vigil/telemetry';
import { deliverySource } from '../replay/delivery-source';
import { persistCursor, publishPage } from '../polling/poll-steps';
import { ensureOktaPollerSchema, loadCursor, type SqlPool } from './cursor-store';
import { nextLink, readRateLimit, type RateLimit } from './okta-http';

export interface OktaPollerOptions {
  bus: Bus;
  topics: TopicNames;
  /** Where the cursor is kept (table `source_poll_cursors`, created if missing). */
  pool: SqlPool;
  /** `https://<org>.okta.com`; the token is only ever sent to this origin. */
  orgUrl: string;
  /** An Okta API token, sent as `Authorization: SSWS <token>`. */
  token: string;
  logger: Logger;
  clock: Clock;
  /** Wait after a page that was not full (caught up) before polling the next link again. */
  pollIntervalMs: number;
  /** The events' source; `okta` gives the same ids as the event hook, so overlap is recognised. */
  sourceName: string;
  /** Events per page, at most 1000 (Okta's maximum). Default 1000. */
  limit?: number;
  /** Where the very first poll starts when no cursor is saved (ISO time). Default one hour before start. */
  since?: string;
  /** Pause until the window resets when fewer than this share of the rate limit remains. Default 0.1. */
  rateLimitReserve?: number;
  /** Back-off after a failed request, publish or cursor write. Default 1 s doubling to 60 s. */
  retry?: { initialMs: number; maxMs: number };
  /** Per-request timeout. Default 30 s. */
  requestTimeoutMs?: number;
}

export interface OktaPollerStats {
  pages: number;
  /** Events acknowledged on the events topic. */
  published: number;
  /** Items of a page that did not normalise, kept on the dead-letter topic. */
  deadLettered: number;
  /** Times the poller waited for the rate-limit window to reset (429 or low remaining). */
  rateLimitWaits: number;
  /** Failed requests, publishes and cursor writes (each retried). */
  failures: number;
}

export interface OktaPoller {
  stats(): OktaPollerStats;
  /** Stops polling; a page whose publish was acknowledged still gets its cursor saved. Idempotent. */
  stop(): Promise<void>;
}

const MAX_LIMIT = 1000;
/** A reset time further out than this is treated as clock skew. */
const MAX_RATE_LIMIT_WAIT_MS = 5 * 60_000;

/**
 * Polls the Okta System Log API (`GET /api/v1/logs`) and publishes its events through the Okta
 * normaliser. The next-page link is saved in PostgreSQL only after the page's events were
 * acknowledged by the bus: a restart resumes at the first unacknowledged page, so nothing is lost,
 * and a page is repeated only when the process died between the acknowledgement and the cursor
 * write — harmless, since event ids are Okta's uuids.
 */
export function startOktaPoller(options: OktaPollerOptions): OktaPoller {
  const { bus, topics, pool, token, clock, sourceName } = options;
  const logger = options.logger.child({ component: 'okta-poller', source: sourceName });
  const org = new URL(options.orgUrl);
  const limit = Math.min(Math.max(1, options.limit ?? MAX_LIMIT), MAX_LIMIT);
  const reserve = options.rateLimitReserve ?? 0.1;
  const retry = options.retry ?? { initialMs: 1_000, maxMs: 60_000 };
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const source = deliverySource(sourceName, 'okta-event-hook');
  const stats: OktaPollerStats = { pages: 0, published: 0, deadLettered: 0, rateLimitWaits: 0, failures: 0 };
  const control = new PollControl(logger, retry, () => {
    stats.failures += 1;
  });
  const stopped = () => control.stopped;
  const sleep = (ms: number) => control.sleep(ms);
  const backOff = (what: string, error: unknown, level: 'warn' | 'error' = 'warn') => control.backOff(what, error, level);

  const untilReset = (rate: RateLimit) => {
    if (rate.resetAt === undefined) return retry.maxMs;
    return Math.min(Math.max(rate.resetAt - clock.now(), 0) + 250, MAX_RATE_LIMIT_WAIT_MS);
  };

  const firstUrl = () => {
    const url = new URL('/api/v1/logs', org);
    url.searchParams.set('since', options.since ?? new Date(clock.now() - 3_600_000).toISOString());
    url.searchParams.set('limit', String(limit));
    url.searchParams.set('sortOrder', 'ASCENDING');
    return url.toString();
  };

  /** Only links back to the org get the token. */
  const sameOrg = (link: string) => {
    try {
      return new URL(link).origin === org.origin;
    } catch {
      return false;
    }
  };

  const sink = { bus, topics, clock, logger, label: 'Okta' };
  const publish = (events: unknown[]) => publishPage(control, sink, source, { data: { events } }, events.length, stats);
  const persist = (nextUrl: string) => persistCursor(control, pool, sourceName, nextUrl, 'Okta');

  const fetchPage = async (url: string) =>
    fetch(url, {
      headers: { authorization: `SSWS ${token}`, accept: 'application/json' },
      signal: AbortSignal.any([control.signal, AbortSignal.timeout(requestTimeoutMs)]),
    });

  const run = async () => {
    let url: string | undefined;
    while (!stopped() && url === undefined) {
      try {
        await ensureOktaPollerSchema(pool);
        const saved = await loadCursor(pool, sourceName);
        if (saved !== undefined && !sameOrg(saved)) {
          logger.warn({ orgUrl: org.origin }, 'the saved cursor belongs to another Okta org; starting over from `since`');
        }
        url = saved !== undefined && sameOrg(saved) ? saved : firstUrl();
        control.succeeded();
        logger.info({ resumed: saved !== undefined && sameOrg(saved) }, 'Okta System Log poller started');
      } catch (error) {
        await backOff('reading the Okta cursor failed', error, 'error');
      }
    }

    while (!stopped() && url !== undefined) {
      let response: Response;
      try {
        response = await fetchPage(url);
      } catch (error) {
        if (stopped()) break;
        await backOff('requesting the Okta System Log failed', error);
        continue;
      }
      const rate = readRateLimit(response.headers);
      if (response.status === 429) {
        await response.body?.cancel();
        stats.rateLimitWaits += 1;
        const waitMs = untilReset(rate);
        logger.warn({ waitMs, resetAt: rate.resetAt }, 'Okta rate limit reached (429); waiting for the window to reset');
        await sleep(waitMs);
        continue;
      }
      if (!response.ok) {
        const body = (await response.text().catch(() => '')).slice(0, 500);
        const refused = response.status === 401 || response.status === 403;
        await backOff(
          refused ? `Okta refused the API token (${response.status})` : `Okta answered ${response.status}`,
          new Error(body || response.statusText),
          refused ? 'error' : 'warn',
        );
        continue;
      }
      let page: unknown;
      try {
        page = await response.json();
      } catch (error) {
        await backOff('the Okta System Log answer was not JSON', error);
        continue;
      }
      if (!Array.isArray(page)) {
        await backOff('the Okta System Log answer was not an array of events', new Error(typeof page));
        continue;
      }
      const link = nextLink(response.headers.get('link'));
      if (link !== undefined && !sameOrg(link)) {
        await backOff('Okta sent a next link to another origin; not following it', new Error(link), 'error');
        continue;
      }
      stats.pages += 1;
      if (page.length > 0 && !(await publish(page))) break;
      const next = link ?? fallbackNext(url, page);
      if (next !== url && !(await persist(next))) break;
      url = next;
      control.succeeded();

      const low = rate.remaining !== undefined && rate.remaining <= Math.max(0, Math.floor((rate.limit ?? 0) * reserve));
      if (low) {
        stats.rateLimitWaits += 1;
        const waitMs = untilReset(rate);
        logger.info({ remaining: rate.remaining, limit: rate.limit, waitMs }, 'Okta rate limit nearly used; waiting for the window to reset');
        await sleep(waitMs);
      } else if (page.length < limit) {
        await sleep(options.pollIntervalMs);
      }
    }
  };

  /** Okta always sends a next link while polling; without one, resume from the last event's time. */
  const fallbackNext = (current: string, page: unknown[]): string => {
    const last = page[page.length - 1] as { published?: unknown } | undefined;
    if (typeof last?.published !== 'string') return current;
    logger.warn({}, 'Okta sent no next link; resuming from the last event time (its events may repeat)');
    const url = new URL('/api/v1/logs', org);
    url.searchParams.set('since', last.published);
    url.searchParams.set('limit', String(limit));
    url.searchParams.set('sortOrder', 'ASCENDING');
    return url.toString();
  };

  return runPoller(control, logger, 'Okta System Log poller', stats, run);
}
