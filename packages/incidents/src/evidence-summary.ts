import { MAX_OBSERVED, type Detection } from '@vigil/schema';

/** Bursts remembered per incident (their most counted events); beyond it the oldest is forgotten. */
export const MAX_BURSTS_PER_INCIDENT = 100;

/** What an incident's evidence adds up to: kept on the row, changed by every detection it takes in. */
export interface EvidenceSummary {
  eventCount: number;
  /** Event time of its newest event. */
  lastEventAt: string | null;
  sourceIps: string[];
  userAgents: string[];
  /** Burst id -> the most events a detection of that burst counted. */
  burstEvents: Record<string, number>;
}

export const EMPTY_SUMMARY: EvidenceSummary = {
  eventCount: 0,
  lastEventAt: null,
  sourceIps: [],
  userAgents: [],
  burstEvents: {},
};

export interface SummaryChange {
  summary: EvidenceSummary;
  /** Events this detection added (a burst's repeat or an older count adds none). */
  eventsAdded: number;
  sourceIpsAdded: string[];
  userAgentsAdded: string[];
}

/**
 * Adds a detection's evidence to the summary. A burst's detections each carry the burst's running count, so the
 * incident keeps the most any of them said, per burst: a repeat, a redelivery or a differently coalesced batch
 * changes nothing, and the count is exact however the detections were cut. A detection without a burst adds
 * its evidence.
 */
export function addToSummary(current: EvidenceSummary, detection: Detection): SummaryChange {
  const burstEvents = { ...current.burstEvents };
  let eventsAdded = detection.evidence.length;
  if (detection.burst) {
    const before = burstEvents[detection.burst.id] ?? 0;
    eventsAdded = Math.max(0, detection.burst.events - before);
    delete burstEvents[detection.burst.id];
    burstEvents[detection.burst.id] = Math.max(before, detection.burst.events);
    const ids = Object.keys(burstEvents);
    for (const id of ids.slice(0, Math.max(0, ids.length - MAX_BURSTS_PER_INCIDENT))) delete burstEvents[id];
  }
  const newest = Math.max(...detection.evidence.map((ref) => Date.parse(ref.time)));
  const lastEventAt =
    current.lastEventAt !== null && Date.parse(current.lastEventAt) >= newest
      ? current.lastEventAt
      : new Date(newest).toISOString();
  const sourceIpsAdded = fresh(current.sourceIps, detection.observed?.ips);
  const userAgentsAdded = fresh(current.userAgents, detection.observed?.userAgents);
  return {
    summary: {
      eventCount: current.eventCount + eventsAdded,
      lastEventAt,
      sourceIps: [...current.sourceIps, ...sourceIpsAdded],
      userAgents: [...current.userAgents, ...userAgentsAdded],
      burstEvents,
    },
    eventsAdded,
    sourceIpsAdded,
    userAgentsAdded,
  };
}

/** Values not yet kept, as many as still fit under `MAX_OBSERVED`. */
function fresh(kept: readonly string[], offered: readonly string[] = []): string[] {
  const room = Math.max(0, MAX_OBSERVED - kept.length);
  return [...new Set(offered)].filter((value) => !kept.includes(value)).slice(0, room);
}
