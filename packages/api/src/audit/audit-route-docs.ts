import type { RouteDoc } from '@vigil/openapi';
import { z } from 'zod';
import { AuditPeriodParams, ExportsParams, PopulationParams, SampleParams } from './audit-params';

const recorded =
  'Recorded in the export log (who, when, period, rows, SHA-256 of the body) before it is sent; the headers X-Vigil-Export-Id and X-Vigil-Content-Sha256 name that record.';

/** The OpenAPI description of each auditor route (docs/audit.md explains them with examples). */
export const AUDIT_ROUTE_DOCS = {
  population: {
    summary: 'The incident population of a period (every incident open at any time in it), JSON or CSV',
    description: `Periods are half-open [from, to); a date alone means midnight UTC. ${recorded}`,
    tags: ['audit'],
    query: PopulationParams,
    responses: {
      200: { description: 'JSON document, or CSV with one row per incident (spreadsheet formulas neutralised)' },
    },
  },
  summary: {
    summary: 'Counts and response-time figures of a period’s population',
    description: recorded,
    tags: ['audit'],
    query: AuditPeriodParams,
    responses: { 200: { description: 'Counts by status, severity and criterion; time to acknowledge / resolve' } },
  },
  report: {
    summary: 'The printable report of a period (self-contained HTML)',
    description: recorded,
    tags: ['audit'],
    query: AuditPeriodParams,
    responses: { 200: { description: 'HTML with no script and nothing fetched', contentType: 'text/html' } },
  },
  sample: {
    summary: 'A reproducible random sample of a period’s population',
    description: `The same seed over the same population always draws the same incidents. ${recorded}`,
    tags: ['audit'],
    query: SampleParams,
    responses: { 200: { description: 'The sampled incidents, the seed, the size and the rule that chose the size' } },
  },
  timeline: {
    summary: 'One incident’s timeline, evidence and communications, for the auditor',
    description: recorded,
    tags: ['audit'],
    params: z.object({ id: z.guid() }),
    responses: { 200: { description: '`{ incident, timeline, evidence, communications }`' } },
  },
  exports: {
    summary: 'The export log: every export made, newest first',
    tags: ['audit'],
    query: ExportsParams,
    responses: { 200: { description: '`{ exports, nextBefore }`' } },
  },
} satisfies Record<string, RouteDoc>;
