export type { ResponseDoc, RouteDoc } from './route-doc';
export {
  buildOpenApiDocument,
  collectRoutes,
  ErrorBodySchema,
  openApiPath,
  registerOpenApiRoute,
  type CollectedRoute,
  type OpenApiOptions,
} from './openapi-document';
