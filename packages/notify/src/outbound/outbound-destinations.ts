import { ConfigError } from '@vigil/runtime';
import type { OwnersConfig } from '../owners';
import { webhookSecretKey } from './standard-webhooks';

export type Destination =
  | { channel: 'webhook'; url: string; key: Buffer }
  | { channel: 'pagerduty'; routingKey: string };

/**
 * Every destination the owners file names, with its secret read from the environment, by target name
 * (`webhook:<name>`, `pagerduty:<routing key variable>`). A missing or malformed secret is a start-up error
 * naming the variable, never the secret.
 */
export function outboundDestinations(owners: OwnersConfig, env: NodeJS.ProcessEnv, fileName: string): Map<string, Destination> {
  const problems: string[] = [];
  const destinations = new Map<string, Destination>();
  for (const [name, webhook] of Object.entries(owners.webhooks)) {
    const secret = env[webhook.secretEnv];
    if (!secret) {
      problems.push(`${fileName}: webhooks.${name}.secretEnv: environment variable ${webhook.secretEnv} is not set`);
      continue;
    }
    try {
      destinations.set(`webhook:${name}`, { channel: 'webhook', url: webhook.url, key: webhookSecretKey(secret) });
    } catch (error) {
      problems.push(`${fileName}: webhooks.${name}.secretEnv: ${webhook.secretEnv}: ${(error as Error).message}`);
    }
  }
  const pagerduty = [
    ...owners.owners.flatMap((entry, i) => (entry.pagerduty ? [[`owners[${i}].pagerduty`, entry.pagerduty.routingKeyEnv] as const] : [])),
    ...(owners.fallbackPagerduty ? [['fallbackPagerduty', owners.fallbackPagerduty.routingKeyEnv] as const] : []),
  ];
  for (const [where, variable] of pagerduty) {
    const routingKey = env[variable];
    if (!routingKey) problems.push(`${fileName}: ${where}.routingKeyEnv: environment variable ${variable} is not set`);
    else if (!/^[A-Za-z0-9]{32}$/.test(routingKey)) problems.push(`${fileName}: ${where}.routingKeyEnv: ${variable} must be a 32-character routing key`);
    else destinations.set(`pagerduty:${variable}`, { channel: 'pagerduty', routingKey });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return destinations;
}
