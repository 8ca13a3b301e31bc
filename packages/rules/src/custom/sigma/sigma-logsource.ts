import { asRecord } from '../rule-source';

/**
 * A Sigma logsource Vigil ingests: which events it covers (recognised by the shape of the raw
 * payload, since operators name their sources freely) and how SigmaHQ's field names for it are
 * read from that payload.
 */
export interface SigmaLogsource {
  name: 'okta' | 'aws' | 'github' | 'google_workspace';
  accepts(raw: unknown): boolean;
  /** Every value the field has in the payload (arrays are searched through); empty when absent. */
  values(raw: unknown, field: string): unknown[];
  /** SOC 2 criteria a rule for this logsource maps to when its tags name none. */
  defaultCriteria: string[];
}

/**
 * Walks a dotted path, matching each key case-insensitively (SigmaHQ's Okta rules write
 * `eventtype` for `eventType`) and fanning out over arrays (Okta's `target` is a list).
 */
export function pathValues(raw: unknown, field: string): unknown[] {
  let current: unknown[] = [raw];
  for (const segment of field.split('.')) {
    const lower = segment.toLowerCase();
    const next: unknown[] = [];
    for (const value of current.flatMap((v) => (Array.isArray(v) ? (v as unknown[]) : [v]))) {
      const record = asRecord(value);
      if (!record) continue;
      if (segment in record) next.push(record[segment]);
      else {
        const key = Object.keys(record).find((k) => k.toLowerCase() === lower);
        if (key !== undefined) next.push(record[key]);
      }
    }
    current = next;
  }
  return current.flatMap((v) => (Array.isArray(v) ? (v as unknown[]) : [v])).filter((v) => v !== undefined);
}

const okta: SigmaLogsource = {
  name: 'okta',
  accepts: (raw) => typeof asRecord(raw)?.eventType === 'string',
  values: pathValues,
  defaultCriteria: ['CC6.1', 'CC7.2'],
};

const aws: SigmaLogsource = {
  name: 'aws',
  accepts: (raw) => {
    const r = asRecord(raw);
    return typeof r?.eventSource === 'string' && typeof r.eventName === 'string';
  },
  values: pathValues,
  defaultCriteria: ['CC7.2'],
};

const github: SigmaLogsource = {
  name: 'github',
  accepts: (raw) => {
    const r = asRecord(raw);
    return typeof r?.action === 'string' && r.eventType === undefined && r.eventSource === undefined;
  },
  values: pathValues,
  defaultCriteria: ['CC7.2', 'CC8.1'],
};

/**
 * Reports API activities (`admin#reports#activity`). SigmaHQ writes these rules against Cloud
 * Logging's shape: `eventService` is `<application>.googleapis.com`, `eventName` the event's name;
 * any other field is a parameter of the event by name, else a path into the activity.
 */
function workspace(application: string | undefined): SigmaLogsource {
  return {
    name: 'google_workspace',
    accepts: (raw) => {
      const app = asRecord(asRecord(raw)?.id)?.applicationName;
      return typeof app === 'string' && (application === undefined || app === application);
    },
    values: (raw, field) => {
      const lower = field.toLowerCase();
      const events = pathValues(raw, 'events');
      if (lower === 'eventname') return pathValues(events, 'name');
      if (lower === 'eventtype') return pathValues(events, 'type');
      if (lower === 'eventservice')
        return pathValues(raw, 'id.applicationName').map((app) => `${String(app)}.googleapis.com`);
      const parameters = pathValues(events, 'parameters')
        .map(asRecord)
        .filter((p) => typeof p?.name === 'string' && p.name.toLowerCase() === lower);
      if (parameters.length > 0) {
        return parameters.flatMap((p) => {
          const value = p!.value ?? p!.boolValue ?? p!.intValue ?? p!.multiValue;
          return Array.isArray(value) ? (value as unknown[]) : value === undefined ? [] : [value];
        });
      }
      return pathValues(raw, field);
    },
    defaultCriteria: ['CC6.1', 'CC7.2'],
  };
}

/** The logsource of a rule, or why Vigil cannot evaluate it. */
export function sigmaLogsource(logsource: unknown): SigmaLogsource | string {
  const l = asRecord(logsource);
  if (!l) return 'expected a logsource map with product (and service)';
  const product = typeof l.product === 'string' ? l.product.toLowerCase() : undefined;
  const service = typeof l.service === 'string' ? l.service.toLowerCase() : undefined;
  if (l.category !== undefined) return `logsource category "${String(l.category)}" is not one Vigil ingests`;
  if (product === 'okta' && (service === undefined || service === 'okta')) return okta;
  if (product === 'aws' && (service === undefined || service === 'cloudtrail')) return aws;
  if (product === 'github' && (service === undefined || service === 'audit')) return github;
  if (product === 'gcp' && service?.startsWith('google_workspace.'))
    return workspace(service.slice('google_workspace.'.length));
  if (product === 'google_workspace') return workspace(service);
  return (
    `logsource product "${product ?? ''}"${service ? ` service "${service}"` : ''} is not one Vigil ingests; ` +
    'supported: okta, aws/cloudtrail, github/audit, gcp/google_workspace.<application>, google_workspace'
  );
}
