import type { IncidentPayloads } from '../evidence/evidence-payloads';
import type { Category, Severity } from '@vigil/schema';
import type {
  ChainVerification,
  CommunicationEntry,
  EvidenceEntry,
  IncidentRecord,
  NotificationDetail,
  TimelineEntry,
} from '../incident-types';
import type { IncidentStatus } from '../notification-store';
import type { SampleChoice } from './sampling';

/** A period as the auditor asked for it, normalised to UTC with milliseconds. Half-open: [from, to). */
export interface AuditPeriod {
  from: string;
  to: string;
}

/** One query the export ran, as text, with the values bound to it: what an auditor re-runs to re-derive it. */
export interface AuditQuery {
  /** What the query produced, e.g. `population`. */
  purpose: string;
  sql: string;
  parameters: Array<{ name: string; placeholder: string; value: string | string[] }>;
  rows: number;
}

/** Register numbers 1..n must all be there: a missing number is a deleted (or never committed) incident. */
export interface SequenceCheck {
  /** Incidents in the register, whole register. */
  incidents: number;
  /** The highest number present. */
  highestPresent: number;
  /** The last number the register's counter handed out. */
  lastIssued: number;
  /** True when 1..lastIssued are all present and nothing else is. */
  contiguous: boolean;
  /** Runs of missing numbers, lowest first. */
  missing: Array<{ first: number; last: number }>;
  missingCount: number;
  /** What else is wrong with the numbering, in words (e.g. the counter is behind the numbers present). */
  problems: string[];
}

export interface PopulationCounts {
  /** Incidents in the population. */
  incidents: number;
  /** Detected within the period. */
  openedInPeriod: number;
  /** Detected before the period and still open at its start. */
  openedBefore: number;
  /** Resolved or dismissed within the period. */
  endedInPeriod: number;
  /** Neither resolved nor dismissed before the period's end. */
  openAtEnd: number;
  /** Status at the time of the export. */
  byStatus: Record<IncidentStatus, number>;
  /** Rows behind the population, for reconciling files with each other. */
  timelineEntries: number;
  evidence: number;
  communications: number;
}

/** What an incident's evidence file holds beyond its row: everything the register keeps about it. */
export interface IncidentEvidence extends IncidentPayloads {
  evidence: EvidenceEntry[];
  timeline: TimelineEntry[];
  communications: CommunicationEntry[];
  notifications: NotificationDetail[];
}

export type AuditedIncident = IncidentRecord & IncidentEvidence;

/**
 * The population of a period and the checks that show it is complete, all read from one database snapshot.
 * `T` is the incident row alone, or the row with its timeline and evidence.
 */
export interface AuditPopulation<T extends IncidentRecord = IncidentRecord> {
  period: AuditPeriod;
  /** When the snapshot was taken (the register's clock). */
  generatedAt: string;
  /** Every query behind the export, the population's first. */
  queries: AuditQuery[];
  counts: PopulationCounts;
  sequence: SequenceCheck;
  /** The whole timeline chain recomputed in the same snapshot. */
  chain: ChainVerification;
  /** Ordered by register number. */
  incidents: T[];
}

/** Nearest-rank figures over the incidents that reached the step; null when none did. */
export interface DurationFigures {
  count: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export interface TargetFigures {
  met: number;
  missed: number;
  /** Not yet done, and the deadline had not passed when the export was made. */
  pending: number;
  /** Incidents the target does not apply to (a dismissed detection has nothing to resolve). */
  notApplicable: number;
  /** met / (met + missed); null when nothing was measurable. */
  share: number | null;
}

export interface IncidentMention {
  id: string;
  ref: string;
  seq: number;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  detectedAt: string;
}

export interface DismissedDetection extends IncidentMention {
  dismissedAt: string;
  dismissedBy: string;
  reason: string;
}

export interface Dc4Candidate extends IncidentMention {
  category: Category;
  criteria: string[];
  resolvedAt: string | null;
  rootCause: string | null;
  postmortemUrl: string | null;
}

export interface AuditSummary {
  period: AuditPeriod;
  generatedAt: string;
  counts: PopulationCounts;
  sequence: SequenceCheck;
  chain: ChainVerification;
  /** An incident counts once under each of its criteria. */
  byCriterion: Record<string, number>;
  byCategory: Record<Category, number>;
  bySeverity: Record<Severity, number>;
  responseTimes: {
    detect: DurationFigures;
    acknowledge: DurationFigures;
    contain: DurationFigures;
    resolve: DurationFigures;
  };
  withinTarget: { acknowledge: TargetFigures; resolve: TargetFigures };
  /** Incidents opened from history (backfill, replay, a detector catching up): no time to detect. */
  backfilled: number;
  dismissed: DismissedDetection[];
  openAtEnd: IncidentMention[];
  dc4Candidates: Dc4Candidate[];
  /** How every figure above is computed, in words, so the file explains itself. */
  definitions: Record<string, string>;
}

/** A sample drawn from a period's population, with the full evidence of the incidents drawn. */
export interface AuditSample {
  population: AuditPopulation;
  choice: SampleChoice;
  /** The drawn incidents in register order, each with its timeline, evidence and messages. */
  incidents: AuditedIncident[];
}
