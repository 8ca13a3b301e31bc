import type { DueDelivery } from '@vigil/incidents';
import type { Destination } from './outbound-destinations';
import { signWebhook } from './standard-webhooks';

/** What one attempt came to: delivered, worth another try (after `retryAfterMs` if the receiver said), or never. */
export type SendOutcome =
  | { kind: 'sent' }
  | { kind: 'retry'; error: string; retryAfterMs?: number }
  | { kind: 'refused'; error: string };

export const DEFAULT_PAGERDUTY_URL = 'https://events.pagerduty.com';
const TIMEOUT_MS = 10_000;

export interface SendOptions {
  /** Seconds since the epoch, for `webhook-timestamp`. */
  nowSeconds: number;
  /** Base URL of the PagerDuty Events API (tests point it at a stand-in). */
  pagerDutyUrl: string;
}

/** One attempt of one delivery. Never throws: a network error is a retry. */
export async function sendDelivery(delivery: DueDelivery, destination: Destination, options: SendOptions): Promise<SendOutcome> {
  try {
    if (destination.channel === 'webhook') {
      const body = JSON.stringify(delivery.payload);
      const headers = signWebhook(destination.key, { id: delivery.messageId, timestampSeconds: options.nowSeconds, body });
      const response = await post(destination.url, body, headers);
      // Standard Webhooks: any 2xx is delivered; anything else is tried again until the attempts run out.
      return response.ok ? { kind: 'sent' } : failed(response, `webhook receiver answered ${response.status}`);
    }
    const body = JSON.stringify({ ...delivery.payload, routing_key: destination.routingKey });
    const response = await post(`${options.pagerDutyUrl.replace(/\/+$/, '')}/v2/enqueue`, body, {});
    if (response.status === 202 || response.ok) return { kind: 'sent' };
    // PagerDuty: 400 is an event it will never take; 429 and 5xx pass.
    if (response.status === 400) return { kind: 'refused', error: `PagerDuty refused the event: ${await snippet(response)}` };
    return failed(response, `PagerDuty answered ${response.status}`);
  } catch (error) {
    return { kind: 'retry', error: (error as Error).message };
  }
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'Vigil', ...headers },
    body,
    redirect: 'error',
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
}

async function failed(response: Response, error: string): Promise<SendOutcome> {
  const retryAfter = Number(response.headers.get('retry-after'));
  await response.body?.cancel().catch(() => undefined);
  return Number.isFinite(retryAfter) && retryAfter > 0 ? { kind: 'retry', error, retryAfterMs: retryAfter * 1000 } : { kind: 'retry', error };
}

async function snippet(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  return text.slice(0, 300);
}
