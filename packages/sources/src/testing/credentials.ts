import { githubSignature, hmacSignature, standardWebhookSignature } from '../authenticate';
import type { SourceDefinition } from '../source-config';

/** The headers the source's sender puts on a delivery of `body`, signed with `secret`. */
export function credentials(def: SourceDefinition, body: Buffer | string, secret: string): Record<string, string> {
  switch (def.auth.type) {
    case 'header':
      return { [def.auth.header]: secret };
    case 'bearer':
      return { authorization: `Bearer ${secret}` };
    case 'hmac-sha256': {
      const timestamp = String(Math.floor(Date.now() / 1000));
      return {
        [def.auth.timestampHeader]: timestamp,
        [def.auth.signatureHeader]: `${def.auth.signaturePrefix}${hmacSignature(secret, timestamp, body)}`,
      };
    }
    case 'github-signature':
      return { 'x-hub-signature-256': githubSignature(secret, body) };
    case 'standard-webhooks': {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const id = 'msg_test';
      return {
        'webhook-id': id,
        'webhook-timestamp': timestamp,
        'webhook-signature': standardWebhookSignature(secret, id, timestamp, body),
      };
    }
  }
}
