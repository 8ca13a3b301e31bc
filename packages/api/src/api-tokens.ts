import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from '@vigil/runtime';

export const API_ROLES = ['viewer', 'responder', 'admin', 'auditor'] as const;
export const ApiRole = z.enum(API_ROLES);
export type ApiRole = z.infer<typeof ApiRole>;

/** One accepted token, held only as its SHA-256 so a leaked config or heap dump does not leak access. */
export const ApiTokenConfig = z.object({
  /** Who holds it; this is what logs and the timeline name, never the token. */
  name: z.string().min(1).max(100),
  role: ApiRole,
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (sha256 of the token)'),
});
export type ApiTokenConfig = z.infer<typeof ApiTokenConfig>;

export interface Principal {
  name: string;
  role: ApiRole;
}

/** The hex SHA-256 of a token, as `tokens[].sha256` expects it. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export type TokenVerifier = (presented: string) => Principal | null;

/**
 * Compares the presented token's digest with every configured digest, always all of them, in constant time
 * per comparison: neither timing nor position tells a caller how close a guess came or which token matched.
 */
export function createTokenVerifier(tokens: readonly ApiTokenConfig[]): TokenVerifier {
  const parsed = z.array(ApiTokenConfig).safeParse(tokens);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `tokens.${issue.path.map(String).join('.')}: ${issue.message}`),
    );
  }
  const entries = parsed.data.map((token) => ({
    principal: { name: token.name, role: token.role },
    digest: Buffer.from(token.sha256, 'hex'),
  }));
  const seen = new Set<string>();
  for (const token of parsed.data) {
    const digest = token.sha256.toLowerCase();
    if (seen.has(digest))
      throw new ConfigError([`tokens: ${token.name} has the same token as another entry`]);
    seen.add(digest);
  }

  return (presented) => {
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let match: Principal | null = null;
    for (const entry of entries) {
      if (timingSafeEqual(digest, entry.digest)) match = entry.principal;
    }
    return match;
  };
}
