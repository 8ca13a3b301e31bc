import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { ConfigError } from '@vigil/runtime';
import type { KafkaConfig, SASLOptions } from 'kafkajs';

/** TLS and SASL settings for the Kafka client, built from the environment by `kafkaSecurityFromEnv`. */
export interface KafkaSecurity {
  ssl?: ConnectionOptions | boolean;
  sasl?: SASLOptions;
}

export type OAuthBearerProvider = () => Promise<{ value: string }>;

const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'] as const;

/**
 * Reads a secret from `NAME` or from the file named by `NAME_FILE` (Kubernetes / Docker secrets); both set
 * is an error. Trailing newlines of a file are dropped.
 */
export function secretFromEnv(env: NodeJS.ProcessEnv, name: string, problems: string[]): string | undefined {
  const inline = env[name];
  const file = env[`${name}_FILE`];
  if (inline && file) {
    problems.push(`${name} and ${name}_FILE are both set; set one`);
    return undefined;
  }
  if (!file) return inline || undefined;
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    problems.push(`${name}_FILE: cannot read ${file}: ${(error as Error).message}`);
    return undefined;
  }
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean, problems: string[]): boolean {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  problems.push(`${name}: expected true or false, got "${value}"`);
  return fallback;
}

/**
 * A token provider for SASL/OAUTHBEARER: the token in `KAFKA_SASL_OAUTHBEARER_TOKEN_FILE` is read again at
 * every (re-)authentication, so a sidecar or a projected service-account token can rotate it; or an OAuth 2
 * client-credentials grant at `KAFKA_SASL_OAUTHBEARER_TOKEN_URL` (Confluent Cloud, any OIDC provider).
 */
function oauthBearerFromEnv(env: NodeJS.ProcessEnv, problems: string[], fetchImpl: typeof fetch): OAuthBearerProvider | undefined {
  const tokenFile = env.KAFKA_SASL_OAUTHBEARER_TOKEN_FILE;
  const tokenUrl = env.KAFKA_SASL_OAUTHBEARER_TOKEN_URL;
  if (tokenFile && tokenUrl) {
    problems.push('KAFKA_SASL_OAUTHBEARER_TOKEN_FILE and KAFKA_SASL_OAUTHBEARER_TOKEN_URL are both set; set one');
    return undefined;
  }
  if (tokenFile) return () => Promise.resolve({ value: readFileSync(tokenFile, 'utf8').trim() });
  if (!tokenUrl) {
    problems.push('KAFKA_SASL_MECHANISM=oauthbearer needs KAFKA_SASL_OAUTHBEARER_TOKEN_FILE or KAFKA_SASL_OAUTHBEARER_TOKEN_URL');
    return undefined;
  }
  const clientId = env.KAFKA_SASL_OAUTHBEARER_CLIENT_ID;
  const clientSecret = secretFromEnv(env, 'KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET', problems);
  if (!clientId || !clientSecret) {
    problems.push('KAFKA_SASL_OAUTHBEARER_TOKEN_URL needs KAFKA_SASL_OAUTHBEARER_CLIENT_ID and KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET');
    return undefined;
  }
  const scope = env.KAFKA_SASL_OAUTHBEARER_SCOPE;
  const extensions = env.KAFKA_SASL_OAUTHBEARER_EXTENSIONS; // e.g. logicalCluster=lkc-abc,identityPoolId=pool-xyz
  return async () => {
    const body = new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) });
    const response = await fetchImpl(tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    if (!response.ok) throw new Error(`OAuth token endpoint answered ${response.status}`);
    const { access_token: value } = (await response.json()) as { access_token?: string };
    if (!value) throw new Error('OAuth token endpoint answered without access_token');
    const ext = Object.fromEntries((extensions ?? '').split(',').filter(Boolean).map((pair) => pair.split('=') as [string, string]));
    return Object.keys(ext).length ? ({ value, extensions: ext } as { value: string }) : { value };
  };
}

/**
 * Kafka TLS and SASL from the environment (docs/deploy.md#kafka-security). Every secret also has a `*_FILE`
 * variant. Throws `ConfigError` naming each wrong variable.
 *
 * - `KAFKA_SSL=true` turns TLS on with the system CAs; `KAFKA_SSL_CA[_FILE]` (PEM) adds a CA and turns it on,
 *   `KAFKA_SSL_CERT[_FILE]` + `KAFKA_SSL_KEY[_FILE]` (+ `KAFKA_SSL_KEY_PASSWORD[_FILE]`) present a client
 *   certificate (mTLS), `KAFKA_SSL_REJECT_UNAUTHORIZED=false` only for a test cluster.
 * - `KAFKA_SASL_MECHANISM` = plain | scram-sha-256 | scram-sha-512 with `KAFKA_SASL_USERNAME[_FILE]` and
 *   `KAFKA_SASL_PASSWORD[_FILE]`; or oauthbearer (see `oauthBearerFromEnv`), or the `oauthBearerProvider` hook.
 */
export function kafkaSecurityFromEnv(
  env: NodeJS.ProcessEnv,
  hooks: { oauthBearerProvider?: OAuthBearerProvider; fetch?: typeof fetch } = {},
): KafkaSecurity {
  const problems: string[] = [];
  const ca = secretFromEnv(env, 'KAFKA_SSL_CA', problems);
  const cert = secretFromEnv(env, 'KAFKA_SSL_CERT', problems);
  const key = secretFromEnv(env, 'KAFKA_SSL_KEY', problems);
  const passphrase = secretFromEnv(env, 'KAFKA_SSL_KEY_PASSWORD', problems);
  if (Boolean(cert) !== Boolean(key)) problems.push('KAFKA_SSL_CERT and KAFKA_SSL_KEY go together (a client certificate and its key)');
  const rejectUnauthorized = flag(env, 'KAFKA_SSL_REJECT_UNAUTHORIZED', true, problems);
  const tls = flag(env, 'KAFKA_SSL', Boolean(ca || cert), problems);
  const security: KafkaSecurity = {};
  if (tls) {
    const options: ConnectionOptions = { rejectUnauthorized };
    if (ca) options.ca = [ca];
    if (cert && key) Object.assign(options, { cert, key });
    if (passphrase) options.passphrase = passphrase;
    if (env.KAFKA_SSL_SERVERNAME) options.servername = env.KAFKA_SSL_SERVERNAME;
    security.ssl = options;
  } else if (ca || cert) {
    problems.push('KAFKA_SSL=false but TLS material (KAFKA_SSL_CA / KAFKA_SSL_CERT) is set');
  }
  const mechanism = env.KAFKA_SASL_MECHANISM?.toLowerCase();
  if (mechanism) {
    if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
      problems.push(`KAFKA_SASL_MECHANISM: expected one of ${SASL_MECHANISMS.join(', ')}, got "${env.KAFKA_SASL_MECHANISM}"`);
    } else if (mechanism === 'oauthbearer') {
      const provider = hooks.oauthBearerProvider ?? oauthBearerFromEnv(env, problems, hooks.fetch ?? fetch);
      if (provider) security.sasl = { mechanism: 'oauthbearer', oauthBearerProvider: provider };
    } else {
      const username = secretFromEnv(env, 'KAFKA_SASL_USERNAME', problems);
      const password = secretFromEnv(env, 'KAFKA_SASL_PASSWORD', problems);
      if (!username || !password) problems.push(`KAFKA_SASL_MECHANISM=${mechanism} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or their _FILE variants)`);
      else security.sasl = { mechanism: mechanism as 'plain' | 'scram-sha-256' | 'scram-sha-512', username, password };
    }
    if (security.sasl && !security.ssl && !flag(env, 'KAFKA_SASL_ALLOW_PLAINTEXT', false, problems)) {
      problems.push('SASL without TLS would send credentials in the clear: set KAFKA_SSL=true (or KAFKA_SASL_ALLOW_PLAINTEXT=true for a local test broker)');
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return security;
}

/** Brokers (`KAFKA_BROKERS`) plus security, for the Kafka clients that admin commands build. */
export function kafkaClientConfig(env: NodeJS.ProcessEnv): Pick<KafkaConfig, 'brokers' | 'ssl' | 'sasl'> {
  const brokers = (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) throw new ConfigError(['KAFKA_BROKERS: required (host:port[,host:port])']);
  return { brokers, ...kafkaSecurityFromEnv(env) };
}
