import { performance } from 'node:perf_hooks';
import { systemClock, type Clock } from '@vigil/runtime';
import type { RouteDoc } from '@vigil/openapi';
import type { FastifyContextConfig, FastifyPluginAsync } from 'fastify';
import {
  createSlackInteractionHandler,
  type InteractionAnswer,
  type SlackInteractionOptions,
} from './interaction-handler';
import { signatureRefusalText, verifySlackSignature, type SignatureRefusal } from './slack-signature';

export const SLACK_INTERACTIONS_PATH = '/v1/slack/interactions';

export interface SlackInteractionsRouteOptions extends SlackInteractionOptions {
  /**
   * The app's signing secret (`SLACK_SIGNING_SECRET`). Two while rotating: requests signed with either
   * are accepted.
   */
  signingSecret: string | readonly string[];
  /** `/v1/slack/interactions` unless given. */
  path?: string;
  /** Largest body accepted, in bytes; 1 MiB unless given (a payload carries the whole message). */
  bodyLimit?: number;
  /** Route config for the host's hooks, e.g. `{ access: 'public' }` in the API server: Slack has no token. */
  routeConfig?: FastifyContextConfig;
  /** For the signature's 5-minute window. */
  clock?: Clock;
}

const SIGNATURE_CODES: Readonly<Record<SignatureRefusal, string>> = {
  missing_signature: 'missing_signature',
  malformed_timestamp: 'invalid_timestamp',
  stale_timestamp: 'stale_request',
  future_timestamp: 'stale_request',
  bad_signature: 'invalid_signature',
};

/**
 * `POST /v1/slack/interactions`, as a Fastify plugin: `await app.register(buildSlackInteractionsRoute(…))`.
 * The body is read raw (the signature covers its bytes), verified against the signing secret, and only
 * then parsed. A request that fails verification is answered 401 and changes nothing. Its content type
 * parsers are its own: the host's other routes are not affected.
 */
const INTERACTIONS_DOC: RouteDoc = {
  summary: 'Slack interactivity: button clicks and modal submissions from Vigil’s messages',
  description:
    'Called by Slack, not by people: the Request URL of the Slack app (deploy/slack-app-manifest.yaml). Authenticated by Slack’s request signature (X-Slack-Signature, X-Slack-Request-Timestamp within 5 minutes, HMAC-SHA256 with the signing secret); anything else is 401 and changes nothing.',
  tags: ['slack'],
  security: [],
  headers: {
    'X-Slack-Signature': { description: '`v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>`', required: true },
    'X-Slack-Request-Timestamp': { description: 'Unix seconds; at most 5 minutes from now', required: true },
  },
  body: { contentType: 'application/x-www-form-urlencoded', description: '`payload=<JSON>`, as Slack sends it' },
  responses: { 200: { description: 'Acknowledged; the action’s result is posted in the incident’s thread' } },
};

export function buildSlackInteractionsRoute(options: SlackInteractionsRouteOptions): FastifyPluginAsync {
  const secrets =
    typeof options.signingSecret === 'string' ? [options.signingSecret] : [...options.signingSecret];
  if (secrets.length === 0 || secrets.some((secret) => secret.trim() === ''))
    throw new Error('buildSlackInteractionsRoute: signingSecret must be given and not empty');
  const clock = options.clock ?? systemClock;
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  const logger = options.logger.child({ component: 'slack-interactions-route' });

  return async (app) => {
    const handler = createSlackInteractionHandler(options);
    // Every body as the exact string received, whatever its content type, so any request can be verified.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_request, body, done) =>
      done(null, body),
    );
    app.addHook('onClose', async () => handler.drain());

    app.post(
      options.path ?? SLACK_INTERACTIONS_PATH,
      { bodyLimit, config: { ...options.routeConfig, openapi: INTERACTIONS_DOC } },
      async (request, reply) => {
        const startedAt = performance.now();
        const rawBody = typeof request.body === 'string' ? request.body : '';
        const check = verifySlackSignature(
          {
            timestamp: header(request.headers['x-slack-request-timestamp']),
            signature: header(request.headers['x-slack-signature']),
            rawBody,
          },
          secrets,
          clock.now(),
        );
        if (!check.ok) {
          // The reason only: never the signature, the secret or the body.
          logger.warn(
            { reason: check.reason, ip: request.ip },
            'refused a Slack request that failed verification',
          );
          return reply.code(401).send({
            error: { code: SIGNATURE_CODES[check.reason], message: signatureRefusalText(check.reason) },
          });
        }

        const contentType = request.headers['content-type'] ?? '';
        const payloadText = contentType.startsWith('application/x-www-form-urlencoded')
          ? new URLSearchParams(rawBody).get('payload')
          : null;
        let payload: unknown;
        try {
          payload = payloadText === null ? undefined : JSON.parse(payloadText);
        } catch {
          payload = undefined;
        }
        if (payload === undefined) {
          return reply.code(400).send({
            error: {
              code: 'invalid_payload',
              message: 'expected an application/x-www-form-urlencoded body with a JSON `payload` field',
            },
          });
        }

        let answer: InteractionAnswer;
        try {
          answer = await handler.handle(payload, startedAt);
        } catch (error) {
          // Never a 5xx to Slack: the person would see a generic failure and nothing would explain it.
          logger.error({ err: error }, 'Slack interaction failed');
          answer = { status: 200 };
        }
        reply.code(answer.status);
        return answer.body ? reply.send(answer.body) : reply.send();
      },
    );
  };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
