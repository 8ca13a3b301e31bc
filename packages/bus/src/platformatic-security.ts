import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { SASLOptions } from '@platformatic/kafka';
import type { KafkaSecurity } from './kafka-security';

/** `kafkaSecurityFromEnv`'s settings in @platformatic/kafka's terms (`tls`, `sasl`). */
export function platformaticSecurity(security: KafkaSecurity | undefined): {
  tls?: TlsOptions;
  sasl?: SASLOptions;
} {
  const mapped: { tls?: TlsOptions; sasl?: SASLOptions } = {};
  if (security?.ssl) mapped.tls = security.ssl === true ? {} : security.ssl;
  const sasl = security?.sasl;
  if (!sasl) return mapped;
  switch (sasl.mechanism) {
    case 'plain':
      mapped.sasl = { mechanism: 'PLAIN', username: sasl.username, password: sasl.password };
      break;
    case 'scram-sha-256':
      mapped.sasl = { mechanism: 'SCRAM-SHA-256', username: sasl.username, password: sasl.password };
      break;
    case 'scram-sha-512':
      mapped.sasl = { mechanism: 'SCRAM-SHA-512', username: sasl.username, password: sasl.password };
      break;
    case 'oauthbearer': {
      // The provider is asked again at every (re-)authentication, as kafkajs does; extensions
      // (Confluent Cloud's logicalCluster, identityPoolId) ride along with the token.
      const provider = sasl.oauthBearerProvider;
      let extensions: Record<string, string> = {};
      mapped.sasl = {
        mechanism: 'OAUTHBEARER',
        token: async () => {
          const token = (await provider()) as { value: string; extensions?: Record<string, string> };
          extensions = token.extensions ?? {};
          return token.value;
        },
        oauthBearerExtensions: () => extensions,
      };
      break;
    }
    default:
      // kafkajs's AWS IAM mechanism has no equivalent here; kafkaSecurityFromEnv never builds it.
      throw new Error(
        `SASL mechanism ${(sasl as { mechanism: string }).mechanism} is not supported with KAFKA_CLIENT=platformatic`,
      );
  }
  return mapped;
}
