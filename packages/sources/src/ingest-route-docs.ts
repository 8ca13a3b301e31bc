import type { OpenApiOptions, RouteDoc } from '@vigil/openapi';
import { z } from 'zod';

const SourceParams = z.object({
  source: z
    .string()
    .describe('The source’s name in the sources file (SOURCES_FILE), e.g. okta, github, cloudtrail'),
});

const authentication =
  'Authenticated per source, as its `auth` in the sources file says: a shared secret in a header (compared in constant time; e.g. Okta’s Authorization, Cloudflare notification webhooks’ cf-webhook-auth), an HMAC signature over the raw body (GitHub’s X-Hub-Signature-256, Standard Webhooks’ webhook-signature with a timestamp window), or both. docs/sources.md lists each source’s headers and formats.';

/** The OpenAPI description of the ingest server's routes. */
export const INGEST_ROUTE_DOCS = {
  verify: {
    summary: 'Okta event hook verification (echo X-Okta-Verification-Challenge)',
    description: authentication,
    tags: ['ingest'],
    security: [],
    params: SourceParams,
    headers: {
      'X-Okta-Verification-Challenge': { description: 'The challenge Okta sends once', required: true },
    },
    responses: { 200: { description: '`{ "verification": <challenge> }`' } },
  },
  deliver: {
    summary: 'Deliver events from a source',
    description: `${authentication}\n\nEach event is checked on its own: 202 means every event in the body is durable on the events topic; a 400 with \`invalid_events\` names the events refused (kept on the dead-letter topic with the reason) while the others were accepted. 429 (with Retry-After) when the source is over its rate limit, 503 when the event stream cannot take writes: nothing was accepted, retry.`,
    tags: ['ingest'],
    security: [],
    params: SourceParams,
    body: {
      contentType: 'application/json',
      description:
        'The source’s own delivery format (one event, an array, or the vendor’s envelope: Okta event hook, CloudTrail, GitHub, Google Workspace, Alertmanager, Cloudflare Logpush gzip NDJSON, a Cloudflare notification webhook); at most INGEST_BODY_LIMIT bytes',
    },
    responses: {
      202: {
        description:
          '`{ accepted, eventIds }`: every event is on the events topic (`accepted: 0` for a vendor’s test delivery: Logpush’s test file, a Cloudflare webhook test message)',
      },
      400: {
        description:
          '`malformed_json`, `invalid_delivery`, or `invalid_events` naming each refused event and field (kept on the dead-letter topic)',
      },
      401: {
        description:
          'The credential header is missing or wrong (the header is named, the expected value never)',
      },
      413: { description: 'Body over INGEST_BODY_LIMIT' },
      415: { description: 'Not sent as JSON' },
      429: { description: 'Over the source’s rate limit; nothing accepted; Retry-After says when to retry' },
    },
  },
} satisfies Record<string, RouteDoc>;

export const INGEST_DOCUMENT: OpenApiOptions = {
  title: 'Vigil ingest',
  version: '1',
  description:
    'Where sources deliver events (webhooks, log pipelines, the prober). Health and metrics routes are for the platform.',
};
