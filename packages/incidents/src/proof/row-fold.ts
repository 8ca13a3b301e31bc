import { canonicalJson } from '../canonical-json';
import type { IncidentRecord, TimelineEntry } from '../incident-types';

/**
 * An incident row is the fold of its timeline: every state column an auditor samples can be recomputed
 * from the entries, in chain order. A column the timeline says nothing about (an entry written before
 * the register recorded it) is left out of the fold and so out of the comparison, never guessed.
 */
export const FOLDED_COLUMNS = [
  'status',
  'ruleId',
  'title',
  'summary',
  'category',
  'severity',
  'criteria',
  'dedupKey',
  'entity',
  'ownerKey',
  'firstEventAt',
  'detectedAt',
  'lastSeenAt',
  'detectionCount',
  'ackDueAt',
  'resolveDueAt',
  'recurrenceOf',
  'acknowledgedAt',
  'acknowledgedBy',
  'containedAt',
  'containedBy',
  'resolvedAt',
  'resolvedBy',
  'downtimeSeconds',
  'closedAt',
  'closedBy',
  'dismissedAt',
  'dismissedBy',
  'dismissalReason',
  'reopenCount',
  'rootCause',
  'remediation',
  'postmortemUrl',
  'followUps',
  'affectedSystems',
  'dc4Candidate',
  'eventCount',
  'lastEventAt',
  'sourceIps',
  'userAgents',
  'timeToDetectMs',
  'backfill',
] as const satisfies ReadonlyArray<keyof IncidentRecord>;
export type FoldedColumn = (typeof FOLDED_COLUMNS)[number];
export type FoldedState = Partial<Pick<IncidentRecord, FoldedColumn>>;

const TIME_COLUMNS = new Set<FoldedColumn>([
  'firstEventAt', 'detectedAt', 'lastSeenAt', 'ackDueAt', 'resolveDueAt', 'acknowledgedAt', 'containedAt',
  'resolvedAt', 'closedAt', 'dismissedAt', 'lastEventAt',
]);

export interface RowDifference {
  incidentId: string;
  ref: string;
  column: FoldedColumn;
  row: unknown;
  timeline: unknown;
}

export interface RowCheck {
  /** Incidents whose row was compared with its timeline. */
  checked: number;
  differences: RowDifference[];
}

type Data = Record<string, unknown>;
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const later = (a: string | undefined, b: string | undefined) =>
  a === undefined ? b : b === undefined ? a : Date.parse(b) > Date.parse(a) ? b : a;

/** The state the timeline's entries of one incident lead to, in chain order. */
export function foldTimeline(entries: readonly TimelineEntry[]): FoldedState {
  let state: FoldedState = {};
  const set = <K extends FoldedColumn>(column: K, value: FoldedState[K] | undefined) => {
    if (value !== undefined) state[column] = value;
  };
  for (const entry of entries) {
    const data: Data = entry.data;
    switch (entry.kind) {
      case 'detected': {
        const entity = data.entity as IncidentRecord['entity'] | undefined;
        const recurrence = data.recurrenceOf as { incidentId?: string } | undefined;
        state = {
          status: 'open', detectionCount: 1, reopenCount: 0, recurrenceOf: recurrence?.incidentId ?? null,
          acknowledgedAt: null, acknowledgedBy: null, containedAt: null, containedBy: null, resolvedAt: null,
          resolvedBy: null, downtimeSeconds: null, closedAt: null, closedBy: null, dismissedAt: null,
          dismissedBy: null, dismissalReason: null, rootCause: null, remediation: null, postmortemUrl: null,
          followUps: [], dc4Candidate: false,
        };
        for (const column of ['ruleId', 'title', 'summary', 'category', 'severity', 'criteria', 'dedupKey',
          'ownerKey', 'firstEventAt', 'detectedAt', 'ackDueAt', 'resolveDueAt', 'eventCount', 'lastEventAt',
          'sourceIps', 'userAgents', 'timeToDetectMs', 'backfill'] as const) {
          if (data[column] !== undefined) (state as Data)[column] = data[column];
        }
        set('lastSeenAt', str(data.detectedAt));
        if (entity) {
          set('entity', entity);
          set('affectedSystems', entity.type === 'service' ? [entity.id] : []);
        }
        break;
      }
      case 'detection-added':
      case 'reopened': {
        set('detectionCount', typeof data.detectionCount === 'number' ? data.detectionCount : undefined);
        const severity = data.severityChanged as { to?: IncidentRecord['severity'] } | undefined;
        set('severity', severity?.to);
        if (Array.isArray(data.criteriaAdded) && state.criteria) {
          set('criteria', [...new Set([...state.criteria, ...(data.criteriaAdded as string[])])]);
        }
        const tightened = data.targetsTightened as { ackDueAt?: string; resolveDueAt?: string } | undefined;
        set('ackDueAt', tightened?.ackDueAt);
        set('resolveDueAt', tightened?.resolveDueAt);
        set('lastSeenAt', str(data.lastSeenAt) ?? later(state.lastSeenAt, str(data.detectedAt)));
        set('firstEventAt', str(data.firstEventAt));
        set('summary', str(data.summary));
        set('eventCount', typeof data.eventCount === 'number' ? data.eventCount : undefined);
        set('lastEventAt', str(data.lastEventAt));
        for (const [column, added] of [['sourceIps', data.sourceIpsAdded], ['userAgents', data.userAgentsAdded]] as const) {
          if (Array.isArray(added) && state[column]) set(column, [...state[column], ...(added as string[])]);
        }
        if (entry.kind === 'reopened') {
          state.status = 'open';
          state.resolvedAt = null;
          state.resolvedBy = null;
          if (state.reopenCount !== undefined) state.reopenCount += 1;
        }
        break;
      }
      case 'acknowledged':
      case 'contained': {
        state.status = (str(data.to) ?? entry.kind) as IncidentRecord['status'];
        const at = entry.kind === 'acknowledged' ? 'acknowledgedAt' : 'containedAt';
        const by = entry.kind === 'acknowledged' ? 'acknowledgedBy' : 'containedBy';
        state[at] = state[at] ?? entry.at;
        state[by] = state[by] ?? entry.actor;
        break;
      }
      case 'resolved':
      case 'closed': {
        state.status = entry.kind;
        if (entry.kind === 'resolved' && data.detectionId !== undefined) {
          state.resolvedAt = str(data.resolvedAt) ?? entry.at;
          const downtime = data.downtimeSeconds;
          if (typeof downtime === 'number') state.downtimeSeconds = (state.downtimeSeconds ?? 0) + downtime;
        } else {
          state[entry.kind === 'resolved' ? 'resolvedAt' : 'closedAt'] = entry.at;
        }
        state[entry.kind === 'resolved' ? 'resolvedBy' : 'closedBy'] = entry.actor;
        set('rootCause', str(data.rootCause));
        set('remediation', str(data.remediation));
        set('postmortemUrl', str(data.postmortemUrl));
        break;
      }
      case 'dismissed':
        state.status = 'dismissed';
        state.dismissedAt = entry.at;
        state.dismissedBy = entry.actor;
        state.dismissalReason = str(data.reason) ?? null;
        break;
      case 'outage-recovered': {
        // The measured recovery of an outage a person had resolved already: its downtime counts.
        const downtime = data.downtimeSeconds;
        if (typeof downtime === 'number') state.downtimeSeconds = (state.downtimeSeconds ?? 0) + downtime;
        break;
      }
      case 'details-updated':
        for (const [field, change] of Object.entries((data.changes ?? {}) as Record<string, { to: unknown }>)) {
          if ((FOLDED_COLUMNS as readonly string[]).includes(field)) (state as Data)[field] = change.to;
        }
        break;
      default:
        // Comments, notifications, response findings and anything newer change no state column.
        break;
    }
  }
  return state;
}

/** Each column where the row and the fold of its timeline disagree. */
export function compareRow(record: IncidentRecord, entries: readonly TimelineEntry[]): RowDifference[] {
  const fold = foldTimeline(entries);
  const differences: RowDifference[] = [];
  for (const column of FOLDED_COLUMNS) {
    if (!(column in fold)) continue;
    const expected = fold[column];
    const actual = record[column];
    if (!sameValue(column, actual, expected)) {
      differences.push({ incidentId: record.id, ref: `INC-${record.seq}`, column, row: actual, timeline: expected });
    }
  }
  return differences;
}

export function checkRows(incidents: ReadonlyArray<{ record: IncidentRecord; timeline: readonly TimelineEntry[] }>): RowCheck {
  return {
    checked: incidents.length,
    differences: incidents.flatMap(({ record, timeline }) => compareRow(record, timeline)),
  };
}

function sameValue(column: FoldedColumn, a: unknown, b: unknown): boolean {
  if (TIME_COLUMNS.has(column) && typeof a === 'string' && typeof b === 'string') return Date.parse(a) === Date.parse(b);
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}

export function describeDifference(difference: RowDifference): string {
  return `${difference.ref} ${difference.column}: row has ${JSON.stringify(difference.row)}, its timeline gives ${JSON.stringify(difference.timeline)}`;
}
