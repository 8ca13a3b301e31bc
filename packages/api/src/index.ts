export { buildApiServer } from './api-server';
export type { ApiServerOptions } from './api-server';
export { API_ROLES, ApiRole, ApiTokenConfig, createTokenVerifier, hashToken } from './api-tokens';
export type { Principal, TokenVerifier } from './api-tokens';
export { ApiError } from './api-errors';
export type { ErrorBody } from './api-errors';
export { ANY_ROLE, principalOf } from './route-access';
export type { RouteAccess } from './route-access';
export { ListIncidentsParams } from './incident-routes';
