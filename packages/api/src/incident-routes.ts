import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { INCIDENT_STATUSES, MAX_PAGE_SIZE, type IncidentQueries } from '@vigil/incidents';
import { Criterion, Timestamp } from '@vigil/schema';
import { ApiError, invalidRequest } from './api-errors';
import { ANY_ROLE } from './route-access';

/** `?status=open,acknowledged` and `?status=open&status=acknowledged` mean the same. */
function listParam<T extends z.ZodType<unknown, string>>(item: T) {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((value) =>
      (Array.isArray(value) ? value : [value])
        .flatMap((part) => part.split(','))
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
    )
    .pipe(z.array(item));
}

// Strict, so a misspelt filter is an error rather than a silently larger population.
export const ListIncidentsParams = z
  .strictObject({
    from: Timestamp.optional(),
    to: Timestamp.optional(),
    status: listParam(z.enum(INCIDENT_STATUSES)).optional(),
    criteria: listParam(Criterion).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
    cursor: z.string().min(1).max(200).optional(),
  })
  .superRefine((query, ctx) => {
    if (query.from && query.to && Date.parse(query.from) > Date.parse(query.to)) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'must not be after to' });
    }
  });

export const IncidentParams = z.object({ id: z.guid('must be an incident id (a UUID)') });

export function registerIncidentRoutes(app: FastifyInstance, store: IncidentQueries): void {
  const listDoc = {
    summary: 'List incidents, newest first, a page at a time',
    description: 'Filters combine with AND; `status` and `criteria` take a comma-separated list or repeat. Follow `nextCursor` for the next page.',
    tags: ['incidents'],
    query: ListIncidentsParams,
    responses: { 200: { description: '`{ incidents, nextCursor }`' } },
  };
  app.get('/v1/incidents', { config: { access: ANY_ROLE, openapi: listDoc } }, async (request) => {
    const query = ListIncidentsParams.safeParse(request.query);
    if (!query.success) throw invalidRequest('query', query.error);
    return store.listIncidents(query.data);
  });

  const getDoc = {
    summary: 'One incident with its whole timeline',
    tags: ['incidents'],
    params: IncidentParams,
    responses: { 200: { description: '`{ incident }`, timeline, evidence refs, evidence payloads kept whole and their purges included' } },
  };
  app.get('/v1/incidents/:id', { config: { access: ANY_ROLE, openapi: getDoc } }, async (request) => {
    const params = IncidentParams.safeParse(request.params);
    if (!params.success) throw invalidRequest('path', params.error);
    const incident = await store.getIncident(params.data.id);
    if (!incident) throw new ApiError(404, 'incident_not_found', `no incident with id ${params.data.id}`);
    return { incident };
  });
}
