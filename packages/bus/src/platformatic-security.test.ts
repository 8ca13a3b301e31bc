import { describe, expect, test } from 'vitest';
import { kafkaSecurityFromEnv } from './kafka-security';
import { platformaticSecurity } from './platformatic-security';

describe('platformaticSecurity', () => {
  test('plaintext stays plaintext', () => {
    expect(platformaticSecurity(kafkaSecurityFromEnv({}))).toEqual({});
  });

  test('TLS with a CA and SCRAM credentials map to tls and sasl', () => {
    const env = {
      KAFKA_SSL_CA: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
      KAFKA_SSL_SERVERNAME: 'kafka.internal',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'vigil',
      KAFKA_SASL_PASSWORD: 's3cret',
    };
    const mapped = platformaticSecurity(kafkaSecurityFromEnv(env));
    expect(mapped.tls).toMatchObject({
      ca: [env.KAFKA_SSL_CA],
      servername: 'kafka.internal',
      rejectUnauthorized: true,
    });
    expect(mapped.sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'vigil', password: 's3cret' });
  });

  test('OAUTHBEARER asks the provider at each authentication and passes its extensions on', async () => {
    let calls = 0;
    const security = kafkaSecurityFromEnv(
      { KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'oauthbearer' },
      {
        oauthBearerProvider: async () =>
          ({ value: `token-${++calls}`, extensions: { logicalCluster: 'lkc-1' } }) as { value: string },
      },
    );
    const { sasl } = platformaticSecurity(security);
    expect(sasl?.mechanism).toBe('OAUTHBEARER');
    const token = sasl?.token as () => Promise<string>;
    const extensions = sasl?.oauthBearerExtensions as () => Record<string, string>;
    expect(await token()).toBe('token-1');
    expect(extensions()).toEqual({ logicalCluster: 'lkc-1' });
    expect(await token()).toBe('token-2');
  });
});
