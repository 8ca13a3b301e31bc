/** Okta's rate-limit headers on every API answer. */
export interface RateLimit {
  limit?: number;
  remaining?: number;
  /** Epoch ms when the window resets. */
  resetAt?: number;
}

function integerHeader(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

export function readRateLimit(headers: Headers): RateLimit {
  const reset = integerHeader(headers, 'x-rate-limit-reset');
  const limit = integerHeader(headers, 'x-rate-limit-limit');
  const remaining = integerHeader(headers, 'x-rate-limit-remaining');
  return {
    ...(limit !== undefined ? { limit } : {}),
    ...(remaining !== undefined ? { remaining } : {}),
    ...(reset !== undefined ? { resetAt: reset * 1000 } : {}),
  };
}

/** The `rel="next"` target of a `Link` header (RFC 8288), which may list several links. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!match) continue;
    const rel = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(match[2] ?? '')?.[1];
    if (rel?.split(/\s+/).includes('next')) return match[1];
  }
  return undefined;
}
