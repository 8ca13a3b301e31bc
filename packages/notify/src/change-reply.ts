import type { NotificationFacts } from '@vigil/schema';
import { slackUserOf, type IncidentFacts } from './incident-facts';
import { byline, escapeWithin, formatDuration, plural, utcTime } from './slack-message';

/** Longest stretch of typed text (comment, reason, root cause) quoted in one reply. */
const QUOTE_MAX = 1_500;

/**
 * The thread reply for one change, written from the facts recorded with it — who did what, when, with the
 * reason as they gave it — never from the incident as it is when the reply is finally posted. Only what
 * never changes (when the incident was detected) is taken from the incident.
 */
export function changeReply(facts: NotificationFacts, incident: Pick<IncidentFacts, 'detectedAt'>): string {
  const by = byline(facts.actor);
  const counted = `${facts.detectionCount} ${plural(facts.detectionCount, 'detection')} in all`;
  // A click in Slack carries only the register's provenance note ("via Slack by @alice"); the reply already
  // mentions the person, so only notes people typed (API, CLI) are quoted.
  const note = facts.text && !slackUserOf(facts.actor) ? ` Note: ${quote(facts.text)}` : '';
  switch (facts.change) {
    case 'opened':
      return `Detected at ${utcTime(facts.at)}.`;
    case 'detections':
      if (facts.eventsAdded !== undefined && facts.eventCount !== undefined) {
        const last = facts.lastEventAt ? `, last event at ${utcTime(facts.lastEventAt)}` : '';
        return `${facts.eventsAdded} more ${plural(facts.eventsAdded, 'event')} (${facts.eventCount} in all)${last}.`;
      }
      return `1 more detection (${facts.detectionCount} in all), last at ${utcTime(facts.lastSeenAt)}.`;
    case 'reopened':
      return `Reopened: it fired again at ${utcTime(facts.at)} after it was resolved; ${counted}.`;
    case 'acknowledged':
    case 'contained':
      return `${capitalised(facts.change)}${by} at ${utcTime(facts.at)}: ${counted}, last at ${utcTime(facts.lastSeenAt)}.${note}`;
    case 'resolved': {
      const after =
        facts.downtimeSeconds !== undefined && facts.downtimeSeconds !== null
          ? ` after ${formatDuration(facts.downtimeSeconds)} of downtime`
          : ` ${formatDuration((Date.parse(facts.at) - Date.parse(incident.detectedAt)) / 1000)} after it was detected`;
      return `Resolved${by}${after}.${findings(facts)}${note}`;
    }
    case 'closed':
      return `Closed${by}.${findings(facts)}${note}`;
    case 'dismissed':
      return `Dismissed${by}: ${quote(facts.reason ?? 'no reason given')}${note}`;
    case 'commented':
      return `Comment${by.replace(' by ', ' from ')}: ${quote(facts.text ?? '')}`;
  }
}

/** Root cause, remediation and postmortem link, as given with a resolution or closure. */
function findings(facts: NotificationFacts): string {
  const parts: string[] = [];
  if (facts.rootCause) parts.push(` Root cause: ${sentence(facts.rootCause)}`);
  if (facts.remediation) parts.push(` Remediation: ${sentence(facts.remediation)}`);
  if (facts.postmortemUrl) parts.push(` Postmortem: ${escapeWithin(facts.postmortemUrl, 500)}`);
  return parts.join('');
}

function sentence(text: string): string {
  const quoted = quote(text);
  return /[.!?…]$/.test(quoted) ? quoted : `${quoted}.`;
}

function quote(text: string): string {
  return escapeWithin(text, QUOTE_MAX);
}

function capitalised(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
