import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@vigil/telemetry';
import { ApiError } from './api-errors';
import type { ApiRole, Principal, TokenVerifier } from './api-tokens';

/** Who may call a route: anyone (`public`), or holders of a token with one of these roles. */
export type RouteAccess = 'public' | { roles: readonly ApiRole[] };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

export const ANY_ROLE: RouteAccess = { roles: ['viewer', 'responder', 'admin', 'auditor'] };

/** A route that forgot to say who may call it is for admins only, never for everyone. */
const UNDECLARED: RouteAccess = { roles: ['admin'] };

const principals = new WeakMap<FastifyRequest, Principal>();

/** The token holder the request was authenticated as, if the route required a token. */
export function principalOf(request: FastifyRequest): Principal | undefined {
  return principals.get(request);
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** An onRequest hook: bearer token, then role. Neither the token nor its hash is ever logged or echoed. */
export function accessHook(verify: TokenVerifier, logger: Logger) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // Unknown routes fall through to the JSON 404; there is nothing there to protect.
    if (request.is404) return;
    const access = request.routeOptions.config.access ?? UNDECLARED;
    if (access === 'public') return;

    const header = request.headers.authorization;
    if (!header) {
      reply.header('www-authenticate', 'Bearer realm="vigil"');
      throw new ApiError(401, 'unauthorized', 'this endpoint needs an Authorization: Bearer <token> header');
    }
    const token = BEARER.exec(header)?.[1];
    const principal = token ? verify(token) : null;
    if (!principal) {
      reply.header('www-authenticate', 'Bearer realm="vigil", error="invalid_token"');
      logger.warn(
        { method: request.method, route: request.routeOptions.url, ip: request.ip },
        'rejected API token',
      );
      throw new ApiError(401, 'unauthorized', 'the bearer token is not valid');
    }
    if (!access.roles.includes(principal.role)) {
      throw new ApiError(
        403,
        'forbidden',
        `role ${principal.role} may not ${request.method} ${request.routeOptions.url}`,
      );
    }
    principals.set(request, principal);
    // Incident data is confidential; no proxy or browser should keep a copy.
    reply.header('cache-control', 'no-store');
  };
}
