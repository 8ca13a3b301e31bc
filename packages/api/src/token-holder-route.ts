import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ApiRole } from './api-tokens';
import { CHAIN_READERS, RESPONDERS } from './incident-action-routes';
import { ANY_ROLE, principalOf, type RouteAccess } from './route-access';

export const TokenHolder = z.object({
  /** The token's name: what the timeline records as `api:<name>` for its actions. */
  name: z.string(),
  role: ApiRole,
  /** What the role may do beyond reading, so a page can offer only what the server will accept. */
  may: z.object({ act: z.boolean(), audit: z.boolean() }),
});
export type TokenHolder = z.infer<typeof TokenHolder>;

const allows = (access: RouteAccess, role: TokenHolder['role']) => access === 'public' || access.roles.includes(role);

/**
 * `GET /v1/token`: who the bearer token belongs to and what its role may do. The dashboard offers the
 * incident actions only to a role the action routes accept; the routes check the role again either way.
 */
export function registerTokenHolderRoute(app: FastifyInstance): void {
  const openapi = {
    summary: 'The token holder: name, role and what the role may do',
    tags: ['tokens'],
    responses: { 200: { description: '`{ name, role, may: { act, audit } }`', schema: TokenHolder } },
  };
  app.get('/v1/token', { config: { access: ANY_ROLE, openapi } }, async (request): Promise<TokenHolder> => {
    const principal = principalOf(request);
    if (!principal) throw new Error('an authenticated route ran without a principal');
    return {
      name: principal.name,
      role: principal.role,
      may: { act: allows(RESPONDERS, principal.role), audit: allows(CHAIN_READERS, principal.role) },
    };
  });
}
