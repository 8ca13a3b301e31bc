import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@vigil/runtime';
import { describe, expect, it } from 'vitest';
import { kafkaClientConfig, kafkaSecurityFromEnv } from './kafka-security';

const dir = mkdtempSync(join(tmpdir(), 'vigil-kafka-security-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const problems = (env: NodeJS.ProcessEnv): string[] => {
  try {
    kafkaSecurityFromEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('Kafka security from the environment', () => {
  it('is plaintext without any variable', () => {
    expect(kafkaSecurityFromEnv({})).toEqual({});
  });

  it('builds TLS with a CA, a client certificate and key from *_FILE variables (mTLS, as MSK and Aiven use)', () => {
    const env = {
      KAFKA_SSL_CA_FILE: file('ca.pem', '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n'),
      KAFKA_SSL_CERT_FILE: file('client.pem', 'CERT\n'),
      KAFKA_SSL_KEY_FILE: file('client.key', 'KEY\n'),
      KAFKA_SSL_KEY_PASSWORD: 'key-pass',
      KAFKA_SSL_SERVERNAME: 'b-1.msk.example',
    };
    expect(kafkaSecurityFromEnv(env)).toEqual({
      ssl: {
        rejectUnauthorized: true,
        ca: ['-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----'],
        cert: 'CERT',
        key: 'KEY',
        passphrase: 'key-pass',
        servername: 'b-1.msk.example',
      },
    });
  });

  it('builds SASL/PLAIN over TLS with the system CAs (Confluent Cloud API key and secret)', () => {
    const config = kafkaClientConfig({
      KAFKA_BROKERS: 'pkc-123.eu-west-1.aws.confluent.cloud:9092',
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'PLAIN',
      KAFKA_SASL_USERNAME: 'APIKEY',
      KAFKA_SASL_PASSWORD_FILE: file('secret', 'api-secret\n'),
    });
    expect(config).toEqual({
      brokers: ['pkc-123.eu-west-1.aws.confluent.cloud:9092'],
      ssl: { rejectUnauthorized: true },
      sasl: { mechanism: 'plain', username: 'APIKEY', password: 'api-secret' },
    });
  });

  it.each(['scram-sha-256', 'scram-sha-512'])('builds SASL/%s (MSK SCRAM secrets)', (mechanism) => {
    expect(kafkaSecurityFromEnv({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'vigil', KAFKA_SASL_PASSWORD: 'pw' }).sasl).toEqual({
      mechanism,
      username: 'vigil',
      password: 'pw',
    });
  });

  it('re-reads an OAUTHBEARER token file at every authentication', async () => {
    const token = file('token', 'first\n');
    const { sasl } = kafkaSecurityFromEnv({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'oauthbearer', KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: token });
    if (sasl?.mechanism !== 'oauthbearer') throw new Error('expected oauthbearer');
    expect(await sasl.oauthBearerProvider()).toEqual({ value: 'first' });
    writeFileSync(token, 'rotated');
    expect(await sasl.oauthBearerProvider()).toEqual({ value: 'rotated' });
  });

  it('gets OAUTHBEARER tokens by the client-credentials grant, with SASL extensions (Confluent Cloud OAuth)', async () => {
    const requests: Array<{ url: string; init: RequestInit }> = [];
    const fakeFetch = (async (url: string, init: RequestInit) => {
      requests.push({ url, init });
      return new Response(JSON.stringify({ access_token: 'jwt-1', token_type: 'bearer' }), { status: 200 });
    }) as unknown as typeof fetch;
    const { sasl } = kafkaSecurityFromEnv(
      {
        KAFKA_SSL: 'true',
        KAFKA_SASL_MECHANISM: 'oauthbearer',
        KAFKA_SASL_OAUTHBEARER_TOKEN_URL: 'https://idp.example/oauth2/token',
        KAFKA_SASL_OAUTHBEARER_CLIENT_ID: 'vigil',
        KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE: file('client-secret', 's3cret\n'),
        KAFKA_SASL_OAUTHBEARER_SCOPE: 'kafka',
        KAFKA_SASL_OAUTHBEARER_EXTENSIONS: 'logicalCluster=lkc-1,identityPoolId=pool-2',
      },
      { fetch: fakeFetch },
    );
    if (sasl?.mechanism !== 'oauthbearer') throw new Error('expected oauthbearer');
    expect(await sasl.oauthBearerProvider()).toEqual({ value: 'jwt-1', extensions: { logicalCluster: 'lkc-1', identityPoolId: 'pool-2' } });
    expect(requests[0]?.url).toBe('https://idp.example/oauth2/token');
    expect(String(requests[0]?.init.body)).toBe('grant_type=client_credentials&scope=kafka');
    expect((requests[0]?.init.headers as Record<string, string>).authorization).toBe(`Basic ${Buffer.from('vigil:s3cret').toString('base64')}`);
  });

  it('takes an OAUTHBEARER provider hook from code (e.g. an MSK IAM signer)', async () => {
    const { sasl } = kafkaSecurityFromEnv({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'oauthbearer' }, { oauthBearerProvider: () => Promise.resolve({ value: 'signed' }) });
    if (sasl?.mechanism !== 'oauthbearer') throw new Error('expected oauthbearer');
    expect(await sasl.oauthBearerProvider()).toEqual({ value: 'signed' });
  });

  it('names every wrong variable', () => {
    expect(problems({ KAFKA_SASL_MECHANISM: 'gssapi' })).toEqual([expect.stringContaining('KAFKA_SASL_MECHANISM: expected one of plain, scram-sha-256, scram-sha-512, oauthbearer')]);
    expect(problems({ KAFKA_SASL_PASSWORD: 'a', KAFKA_SASL_PASSWORD_FILE: '/x', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SSL: 'true' })).toContain(
      'KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE are both set; set one',
    );
    expect(problems({ KAFKA_SSL_CERT: 'c' })).toContain('KAFKA_SSL_CERT and KAFKA_SSL_KEY go together (a client certificate and its key)');
    expect(problems({ KAFKA_SSL_CA_FILE: join(dir, 'missing.pem') })[0]).toMatch(/^KAFKA_SSL_CA_FILE: cannot read/);
    expect(problems({ KAFKA_SSL: 'yes' })).toEqual(['KAFKA_SSL: expected true or false, got "yes"']);
    expect(problems({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })[0]).toMatch(/SASL without TLS/);
    expect(problems({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p', KAFKA_SASL_ALLOW_PLAINTEXT: 'true' })).toEqual([]);
    expect(problems({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'oauthbearer' })[0]).toMatch(/needs KAFKA_SASL_OAUTHBEARER_TOKEN_FILE or KAFKA_SASL_OAUTHBEARER_TOKEN_URL/);
    expect(() => kafkaClientConfig({})).toThrow(/KAFKA_BROKERS: required/);
  });
});
