import type { FastifyInstance } from 'fastify';
import type { RouteDoc } from '@vigil/openapi';
import { z } from 'zod';
import type { CheckpointLog, IncidentQueries } from '@vigil/incidents';
import { ApiError } from '../api-errors';
import { ANY_ROLE } from '../route-access';
import { AUDIT_READERS } from './audit-routes';

export interface RegisterProofOptions {
  log: CheckpointLog;
  /** The register's public key (PEM). Public by nature: anyone may fetch it to check a signature. */
  publicKeyPem?: string;
}

const Size = z.coerce.number().int().min(0);
const ConsistencyQuery = z.strictObject({ from: Size, to: Size }).refine((q) => q.from <= q.to, {
  message: 'from must not be larger than to',
});
const CheckpointsQuery = z.strictObject({
  after: Size.default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const IncidentParams = z.object({ id: z.uuid() });

const tags = ['register'];
/** The OpenAPI description of each route (docs/register-proof.md has the formats). */
const DOCS = {
  publicKey: {
    summary: 'The register’s Ed25519 public key (PEM), to check checkpoint and bundle signatures',
    tags,
    security: [],
    responses: { 200: { description: 'SubjectPublicKeyInfo PEM', contentType: 'application/x-pem-file' }, 404: { description: 'No key configured' } },
  },
  checkpoints: {
    summary: 'Signed checkpoints of the register’s Merkle tree, oldest first, after a tree size',
    tags,
    query: CheckpointsQuery,
    responses: { 200: { description: '`{ checkpoints }`: tree size, root hash, time, previous checkpoint’s hash, signature' } },
  },
  latest: {
    summary: 'The latest signed checkpoint',
    tags,
    responses: { 200: { description: 'The checkpoint' }, 404: { description: 'No checkpoint made yet' } },
  },
  consistency: {
    summary: 'An RFC 6962 consistency proof between two tree sizes',
    tags,
    query: ConsistencyQuery,
    responses: { 200: { description: '`{ from, to, proof }`: the proof’s hashes, hex' } },
  },
  proof: {
    summary: 'Inclusion proofs of one incident’s timeline entries against the latest checkpoint',
    tags,
    params: IncidentParams,
    responses: { 200: { description: '`{ checkpoint, entries, notYetCheckpointed }`' } },
  },
} satisfies Record<string, RouteDoc>;

function refuse(error: z.ZodError): ApiError {
  return new ApiError(
    400,
    'invalid_request',
    'invalid query',
    error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || 'query', message: issue.message })),
  );
}

/**
 * The register proving itself over HTTP: its public key, its signed checkpoints, consistency proofs between
 * tree sizes, and one incident's inclusion proofs against the latest checkpoint. docs/audit.md has formats.
 */
export function registerProofRoutes(
  app: FastifyInstance,
  options: RegisterProofOptions & { incidents: IncidentQueries },
): void {
  const { log } = options;
  app.get('/v1/register/public-key', { config: { access: 'public', openapi: DOCS.publicKey } }, async (_request, reply) => {
    if (!options.publicKeyPem) {
      throw new ApiError(404, 'no_public_key', 'this API is not configured with REGISTER_PUBLIC_KEY_FILE');
    }
    return reply.type('application/x-pem-file').send(options.publicKeyPem);
  });

  app.get('/v1/register/checkpoints', { config: { access: ANY_ROLE, openapi: DOCS.checkpoints } }, async (request) => {
    const query = CheckpointsQuery.safeParse(request.query);
    if (!query.success) throw refuse(query.error);
    return { checkpoints: await log.list(query.data.after, query.data.limit) };
  });

  app.get('/v1/register/checkpoints/latest', { config: { access: ANY_ROLE, openapi: DOCS.latest } }, async () => {
    const latest = await log.latest();
    if (!latest) throw new ApiError(404, 'no_checkpoint', 'no checkpoint has been made yet');
    return latest;
  });

  app.get('/v1/register/consistency', { config: { access: ANY_ROLE, openapi: DOCS.consistency } }, async (request) => {
    const query = ConsistencyQuery.safeParse(request.query);
    if (!query.success) throw refuse(query.error);
    const latest = await log.latest();
    if (!latest || query.data.to > latest.treeSize) {
      throw new ApiError(400, 'invalid_request', `to must be a tree size up to the latest checkpoint's (${latest?.treeSize ?? 0})`);
    }
    return { from: query.data.from, to: query.data.to, proof: await log.consistencyProof(query.data.from, query.data.to) };
  });

  app.get('/v1/audit/incidents/:id/proof', { config: { access: AUDIT_READERS, openapi: DOCS.proof } }, async (request) => {
    const params = IncidentParams.safeParse(request.params);
    if (!params.success) throw refuse(params.error);
    const incident = await options.incidents.getIncident(params.data.id);
    if (!incident) throw new ApiError(404, 'incident_not_found', `no incident with id ${params.data.id}`);
    const checkpoint = await log.latest();
    if (!checkpoint) throw new ApiError(404, 'no_checkpoint', 'no checkpoint has been made yet');
    const ids = incident.timeline.map((entry) => entry.id);
    const entries = await log.inclusionProofs(ids, checkpoint);
    return {
      checkpoint,
      entries,
      // Entries newer than the checkpoint are proven by the next one.
      notYetCheckpointed: ids.filter((id) => id > checkpoint.treeSize),
    };
  });
}
