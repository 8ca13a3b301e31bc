import { describe, expect, it } from 'vitest';
import { nextLink, readRateLimit } from './okta-http';

describe('Okta HTTP headers', () => {
  it('finds rel="next" among the links Okta sends, whatever their order and quoting', () => {
    const self = '<https://example.okta.com/api/v1/logs?limit=100&since=2026-11-22T10%3A00%3A00Z>; rel="self"';
    const next = '<https://example.okta.com/api/v1/logs?limit=100&after=1763805600000_1>; rel="next"';
    expect(nextLink(`${self}, ${next}`)).toBe('https://example.okta.com/api/v1/logs?limit=100&after=1763805600000_1');
    expect(nextLink(`${next}, ${self}`)).toBe('https://example.okta.com/api/v1/logs?limit=100&after=1763805600000_1');
    expect(nextLink('<https://a/x?after=1>;rel=next')).toBe('https://a/x?after=1');
    expect(nextLink(self)).toBeUndefined();
    expect(nextLink(null)).toBeUndefined();
  });

  it('reads X-Rate-Limit-Limit / Remaining / Reset (epoch seconds to ms), ignoring junk', () => {
    const headers = new Headers({ 'x-rate-limit-limit': '120', 'x-rate-limit-remaining': '7', 'x-rate-limit-reset': '1763805660' });
    expect(readRateLimit(headers)).toEqual({ limit: 120, remaining: 7, resetAt: 1_763_805_660_000 });
    expect(readRateLimit(new Headers({ 'x-rate-limit-remaining': 'many' }))).toEqual({});
  });
});
