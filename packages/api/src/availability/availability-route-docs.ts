import type { RouteDoc } from '@vigil/openapi';
import type { z } from 'zod';

const tags = ['availability'];
const period = 'The period is `?month=YYYY-MM`, or `?from&to` (timestamps), or neither for the current month (UTC).';

/** The OpenAPI description of each availability route, over the schemas the routes parse with. */
export function availabilityRouteDocs(schemas: {
  period: z.ZodType;
  report: z.ZodType;
  maintenanceList: z.ZodType;
  maintenance: z.ZodType;
  service: z.ZodType;
}) {
  return {
    list: {
      summary: 'Availability of every service in the services file against its commitment',
      description: `${period} Downtime, coverage (how much of the period was monitored), error budget, and whether the commitment was met, breached or not evidenced. docs/availability.md explains each figure.`,
      tags,
      query: schemas.period,
      responses: { 200: { description: '`{ from, to, generatedAt, services }`' } },
    },
    report: {
      summary: 'The monthly availability report, JSON, printable HTML or CSV',
      description:
        'Each carries, per service, monitored time, time with no evidence, downtime and maintenance, coverage and the commitment status (met, breached, not evidenced). The CSV has a `period` row per service, then a row per outage, per interval with no evidence and per maintenance window.',
      tags,
      query: schemas.report,
      responses: { 200: { description: 'The report; HTML is self-contained (no script, nothing fetched); CSV is RFC 4180' } },
    },
    maintenanceList: {
      summary: 'Declared maintenance windows',
      tags,
      query: schemas.maintenanceList,
      responses: { 200: { description: '`{ windows }`' } },
    },
    maintenance: {
      summary: 'Declare a maintenance window (its downtime is not counted against the commitment)',
      description: 'Recorded with the token holder as actor.',
      tags,
      body: schemas.maintenance,
      responses: { 201: { description: '`{ window }`' } },
    },
    service: {
      summary: 'Availability of one service',
      description: period,
      tags,
      params: schemas.service,
      query: schemas.period,
      responses: { 200: { description: '`{ from, to, generatedAt, availability }`' } },
    },
  } satisfies Record<string, RouteDoc>;
}
