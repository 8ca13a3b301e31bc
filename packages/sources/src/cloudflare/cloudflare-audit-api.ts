import { z } from 'zod';

export type AuditApiVersion = 'v1' | 'v2';

export interface AuditApi {
  /** `https://api.cloudflare.com/client/v4`, without a trailing slash. */
  base: string;
  accountId: string;
  version: AuditApiVersion;
  limit: number;
}

/**
 * Cloudflare's v4 envelope around a list: `{success, errors, messages, result: [...], result_info}`.
 * v2 pages carry `result_info.cursor` while more entries are left; v1 pages `page`, `per_page`, `total_count`.
 */
export const AuditPage = z.object({
  success: z.boolean(),
  result: z.array(z.unknown()),
  result_info: z
    .object({
      cursor: z.string().nullish(),
      page: z.number().nullish(),
      per_page: z.number().nullish(),
      count: z.number().nullish(),
      total_count: z.number().nullish(),
    })
    .loose()
    .nullish(),
});
export type AuditPage = z.infer<typeof AuditPage>;

/** Consecutive windows overlap by this much: Cloudflare does not say whether `since` / `before` include the bound. */
const WINDOW_OVERLAP_MS = 1_000;

function path(api: AuditApi): string {
  return api.version === 'v2' ? `/accounts/${encodeURIComponent(api.accountId)}/logs/audit` : `/accounts/${encodeURIComponent(api.accountId)}/audit_logs`;
}

/** The first request of a window starting at `since`; its end is set when it is first asked for. */
export function firstWindowUrl(api: AuditApi, since: string): string {
  const url = new URL(`${api.base}${path(api)}`);
  url.searchParams.set('since', since);
  url.searchParams.set('direction', 'asc');
  if (api.version === 'v2') {
    url.searchParams.set('limit', String(api.limit));
  } else {
    url.searchParams.set('per_page', String(api.limit));
    url.searchParams.set('page', '1');
  }
  return url.toString();
}

/**
 * The request with its window's end: kept when it has one (a later page of the window), else set to
 * `endMs`. Undefined when the window would be empty (nothing settled since `since` yet).
 */
export function withWindowEnd(request: string, endMs: number): string | undefined {
  const url = new URL(request);
  if (url.searchParams.has('before')) return request;
  const since = Date.parse(url.searchParams.get('since') ?? '');
  if (Number.isFinite(since) && endMs <= since + WINDOW_OVERLAP_MS) return undefined;
  url.searchParams.set('before', new Date(endMs).toISOString());
  return url.toString();
}

/** After a page: the next page of the window, or the window after it (`caughtUp`). */
export function nextUrl(api: AuditApi, request: string, page: AuditPage): { url: string; caughtUp: boolean } {
  const url = new URL(request);
  const info = page.result_info;
  if (api.version === 'v2') {
    if (info?.cursor && page.result.length > 0) {
      url.searchParams.set('cursor', info.cursor);
      return { url: url.toString(), caughtUp: false };
    }
  } else {
    const number = Number(url.searchParams.get('page') ?? '1');
    const perPage = info?.per_page ?? api.limit;
    const more = info?.total_count != null ? number * perPage < info.total_count : page.result.length >= perPage;
    if (more && page.result.length > 0) {
      url.searchParams.set('page', String(number + 1));
      return { url: url.toString(), caughtUp: false };
    }
  }
  const before = Date.parse(url.searchParams.get('before') ?? '');
  const since = new Date((Number.isFinite(before) ? before : Date.now()) - WINDOW_OVERLAP_MS).toISOString();
  return { url: firstWindowUrl(api, since), caughtUp: true };
}
