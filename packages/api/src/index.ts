export { buildApiServer } from './api-server';
export type { ApiServerOptions } from './api-server';
export { API_ROLES, ApiRole, ApiTokenConfig, createTokenVerifier, hashToken } from './api-tokens';
export type { Principal, TokenVerifier } from './api-tokens';
export { ApiError, fromStoreError } from './api-errors';
export type { ErrorBody } from './api-errors';
export { ANY_ROLE, principalOf } from './route-access';
export type { RouteAccess } from './route-access';
export { ListIncidentsParams } from './incident-routes';
export { ACTION_PATHS, CHAIN_READERS, RESPONDERS } from './incident-action-routes';
export type { NotificationEnqueuer } from './incident-action-routes';
export { loadServicesFile, parseServicesText } from './availability/services-file';
export { AvailabilityQuery, MaintenanceListQuery, ReportQuery } from './availability/availability-routes';
export type {
  AvailabilityReport,
  AvailabilityRouteDeps,
  AvailabilitySummary,
} from './availability/availability-routes';
export { AVAILABILITY_REPORT_CSP } from './availability/availability-report-html';
export { DASHBOARD_CSP } from './dashboard/dashboard-routes';
export { AUDIT_READERS, registerAuditRoutes } from './audit/audit-routes';
export type { AuditApiOptions, AuditRoutesOptions } from './audit/audit-routes';
export { DatabaseTokens, TOKENS_CHANNEL, withDatabaseTokens } from './audit/database-tokens';
export type { DatabaseTokensOptions } from './audit/database-tokens';
export {
  generateToken,
  issueApiToken,
  listApiTokens,
  loadActiveTokens,
  revokeApiToken,
  TokenName,
  TokenNameTakenError,
} from './audit/api-token-store';
export type { RevokeOutcome, StoredApiToken } from './audit/api-token-store';
export { tokensCommand } from './audit/cli/tokens-command';
export type { TokensCommandOptions } from './audit/cli/tokens-command';
export { registerProofRoutes } from './audit/register-proof-routes';
export type { RegisterProofOptions } from './audit/register-proof-routes';
