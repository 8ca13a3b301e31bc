import { allowedActions, type IncidentStatus, type IncidentView } from '@vigil/incidents';
import type { NotificationKind, Severity } from '@vigil/schema';
import { isActive, slackUserOf, type IncidentFacts } from './incident-facts';
import type { ResolvedOwner } from './owners';
import { SLACK_ACTION_IDS, SLACK_BUTTON_ACTIONS, type SlackButtonAction } from './slack-actions';

/** The Block Kit shapes used here; structurally what `chat.postMessage` accepts. */
export type MessageBlock =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text?: MarkdownText; fields?: MarkdownText[] }
  | { type: 'context'; elements: MarkdownText[] }
  | { type: 'actions'; block_id: string; elements: ButtonElement[] };
interface MarkdownText {
  type: 'mrkdwn';
  text: string;
}
interface PlainText {
  type: 'plain_text';
  text: string;
  emoji: boolean;
}
export interface ButtonElement {
  type: 'button';
  action_id: string;
  text: PlainText;
  /** The incident id: a click names the incident it is about, whatever message it came from. */
  value: string;
  style?: 'primary' | 'danger';
}

export interface SlackMessage {
  /** Shown in notifications and by clients that cannot render blocks. */
  text: string;
  blocks: MessageBlock[];
}

const SEVERITY_ICON: Readonly<Record<Severity, string>> = {
  SEV1: ':red_circle:',
  SEV2: ':large_orange_circle:',
  SEV3: ':large_yellow_circle:',
  SEV4: ':white_circle:',
};

const STATUS_LABEL: Readonly<Record<IncidentStatus, string>> = {
  open: 'Open',
  acknowledged: 'Acknowledged',
  contained: 'Contained',
  resolved: 'Resolved',
  closed: 'Closed',
  dismissed: 'Dismissed',
};

// Slack's limits: header text 150 characters, section text 3000, a field 2000, 10 fields per section.
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_TEXT_MAX = 900;
const FIELDS_MAX = 10;

const BUTTON_LABEL: Readonly<Record<SlackButtonAction, string>> = {
  acknowledge: 'Acknowledge',
  resolve: 'Resolve',
  dismiss: 'Dismiss',
};

/** A detection recorded this long after its newest event says so next to the event's time. */
const OLD_EVENT_MS = 60 * 60_000;

/**
 * "Last seen" is the newest event's own time, never when Vigil processed it: an event 13 days old must not
 * look live. When it was recorded much later (a backfill, a replay, a catch-up), the field says when.
 */
function lastSeen(incident: IncidentFacts, historical: boolean): string {
  const eventAt = incident.lastEventAt ?? incident.firstEventAt;
  const lag = Date.parse(incident.lastSeenAt) - Date.parse(eventAt);
  const old = historical || lag > OLD_EVENT_MS;
  const recorded = `${new Date(Date.parse(incident.lastSeenAt)).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `*Last seen*\n${slackDate(eventAt)}${old ? ` _(old event, recorded ${recorded})_` : ''}`;
}

export function incidentRef(incident: Pick<IncidentView, 'seq'>): string {
  return `INC-${incident.seq}`;
}

/**
 * The incident's one message, posted when it opens and updated in place afterwards. Who acknowledged,
 * resolved or dismissed it, and the buttons for what can still be done, come from the incident as it is.
 */
export function incidentMessage(
  incident: IncidentFacts,
  owner: ResolvedOwner,
  /** From a detection made long after its events (backfill, replay): said so, and nobody is paged. */
  options: { historical?: boolean } = {},
): SlackMessage {
  const ref = incidentRef(incident);
  const state = STATUS_LABEL[incident.status];
  const entity = `${incident.entity.type} ${incident.entity.id}`;
  const historical = options.historical === true;
  const text =
    `${SEVERITY_ICON[incident.severity]} ${incident.severity} ${ref}: ${historical ? 'Historical: ' : ''}` +
    `${escapeMrkdwn(incident.title)} [${state}] ${incident.criteria.join(', ')} · ${escapeMrkdwn(entity)} · ` +
    escapeMrkdwn(owner.team);

  const fields: string[] = [
    `*Severity*\n${SEVERITY_ICON[incident.severity]} ${incident.severity}`,
    `*State*\n${state}`,
    `*Criteria*\n${incident.criteria.join(', ')}`,
    `*Entity*\n${escapeMrkdwn(entity)}`,
    `*Owner*\n${escapeMrkdwn(owner.team)} · ${channelMention(owner.channel)}`,
    `*Detections*\n${incident.detectionCount}${eventsText(incident)}`,
    `*First seen*\n${slackDate(incident.firstEventAt)}`,
    lastSeen(incident, historical),
  ];
  if (incident.resolvedAt !== null)
    fields.push(`*Resolved*\n${slackDate(incident.resolvedAt)}${byline(incident.resolvedBy)}`);
  if (incident.downtimeSeconds !== null)
    fields.push(`*Downtime*\n${formatDuration(incident.downtimeSeconds)}`);

  const oncall = historical
    ? `\n_Historical: recorded after the fact from events of ${slackDate(incident.firstEventAt)} ` +
      '(a backfill, a replay or a catch-up), not happening now. Nobody was paged._'
    : owner.oncall.length > 0
      ? `\nOn call: ${owner.oncall.map((id) => `<@${id}>`).join(' ')}`
      : '';
  const blocks: MessageBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncate(`${ref} · ${historical ? 'Historical · ' : ''}${incident.title}`, HEADER_MAX),
        emoji: true,
      },
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: escapeWithin(incident.summary || incident.title, SECTION_MAX - oncall.length) + oncall,
      },
      fields: fields.map((field) => ({ type: 'mrkdwn', text: field })),
    },
  ];
  const response = responseFields(incident);
  if (response.length > 0)
    blocks.push({ type: 'section', fields: response.map((field) => ({ type: 'mrkdwn', text: field })) });
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `Rule ${escapeMrkdwn(incident.ruleId)} v${incident.ruleVersion} · ${incident.category} · detected ${slackDate(incident.detectedAt)}`,
      },
    ],
  });
  const buttons = actionButtons(incident);
  if (buttons) blocks.push(buttons);
  return { text, blocks };
}

/** The events behind it and from how many addresses, as the detections added them up. */
function eventsText(incident: IncidentFacts): string {
  if (incident.eventCount === undefined || incident.eventCount === 0) return '';
  const ips = incident.sourceIps?.length ?? 0;
  return ` · ${incident.eventCount} ${plural(incident.eventCount, 'event')}${ips > 0 ? ` from ${ips} ${plural(ips, 'IP')}` : ''}`;
}

/** Who did what and what was found, as far as the incident carries it; the due times while they matter. */
function responseFields(incident: IncidentFacts): string[] {
  const fields: string[] = [];
  const step = (label: string, by: string | null | undefined, at: string | null | undefined) => {
    if (by) fields.push(`*${label}*\n${actorText(by)}${at ? ` · ${slackDate(at)}` : ''}`);
  };
  step('Acknowledged', incident.acknowledgedBy, incident.acknowledgedAt);
  step('Contained', incident.containedBy, incident.containedAt);
  step('Dismissed', incident.dismissedBy, incident.dismissedAt);
  if (incident.dismissalReason)
    fields.push(`*Reason*\n${escapeWithin(incident.dismissalReason, FIELD_TEXT_MAX)}`);
  step('Closed', incident.closedBy, incident.closedAt);
  if (incident.rootCause) fields.push(`*Root cause*\n${escapeWithin(incident.rootCause, FIELD_TEXT_MAX)}`);
  if (incident.remediation)
    fields.push(`*Remediation*\n${escapeWithin(incident.remediation, FIELD_TEXT_MAX)}`);
  if (incident.postmortemUrl) fields.push(`*Postmortem*\n${link(incident.postmortemUrl, 'postmortem')}`);
  if (incident.status === 'open' && incident.ackDueAt)
    fields.push(`*Acknowledge by*\n${slackDate(incident.ackDueAt)}`);
  if (isActive(incident.status) && incident.resolveDueAt)
    fields.push(`*Resolve by*\n${slackDate(incident.resolveDueAt)}`);
  return fields.slice(0, FIELDS_MAX);
}

/** Acknowledge, Resolve, Dismiss: those the incident's state allows; none once it is over. */
function actionButtons(incident: IncidentView): MessageBlock | undefined {
  const allowed = allowedActions(incident.status);
  const elements = SLACK_BUTTON_ACTIONS.filter((action) => allowed.includes(action)).map(
    (action): ButtonElement => ({
      type: 'button',
      action_id: SLACK_ACTION_IDS[action],
      text: { type: 'plain_text', text: BUTTON_LABEL[action], emoji: false },
      value: incident.id,
      ...(action === 'acknowledge' ? { style: 'primary' as const } : {}),
    }),
  );
  if (elements.length === 0) return undefined;
  // A new block id per state: Slack asks for a fresh one when a message's blocks change.
  return { type: 'actions', block_id: `vigil.actions.${incident.status}`, elements };
}

/**
 * The thread reply of a notification written before notifications carried their facts: from the incident as
 * it is at delivery. `changeReply` (from the facts) replaces it for everything newer.
 * `previousDetectionCount` is what the last message showed.
 */
export function followUpText(
  kind: Exclude<NotificationKind, 'opened'>,
  incident: IncidentFacts,
  previousDetectionCount?: number,
): string {
  if (kind === 'resolved') {
    const resolved = `Resolved${byline(incident.resolvedBy)}`;
    const rootCause = incident.rootCause
      ? ` Root cause: ${escapeWithin(incident.rootCause, 500)}${/[.!?]$/.test(incident.rootCause) ? '' : '.'}`
      : '';
    if (incident.downtimeSeconds !== null)
      return `${resolved} after ${formatDuration(incident.downtimeSeconds)} of downtime.${rootCause}`;
    if (incident.resolvedAt !== null) {
      const openFor = (Date.parse(incident.resolvedAt) - Date.parse(incident.detectedAt)) / 1000;
      return `${resolved} ${formatDuration(openFor)} after it was detected.${rootCause}`;
    }
    return `${resolved}.${rootCause}`;
  }
  const count = incident.detectionCount;
  const lastAt = `last at ${utcTime(incident.lastSeenAt)}`;
  const newer = previousDetectionCount === undefined ? 0 : count - previousDetectionCount;
  if (newer > 0) return `${newer} more ${plural(newer, 'detection')} (${count} in all), ${lastAt}.`;
  if (incident.status === 'dismissed' && incident.dismissalReason)
    return `Dismissed${byline(incident.dismissedBy)}: ${escapeWithin(incident.dismissalReason, 500)}`;
  const state = `${STATUS_LABEL[incident.status]}${byline(actorOf(incident))}`;
  return `${state}: ${count} ${plural(count, 'detection')} in all, ${lastAt}.`;
}

/** Who took the incident into its current state, when the incident says. */
function actorOf(incident: IncidentFacts): string | null | undefined {
  switch (incident.status) {
    case 'acknowledged':
      return incident.acknowledgedBy;
    case 'contained':
      return incident.containedBy;
    case 'resolved':
      return incident.resolvedBy;
    case 'closed':
      return incident.closedBy;
    case 'dismissed':
      return incident.dismissedBy;
    case 'open':
      return null;
  }
}

export interface DeadNotification {
  notificationId: string;
  kind: NotificationKind;
  incidentId: string;
  incident?: IncidentView;
  /** Where it should have gone, when known. */
  channel?: string;
  reason: string;
}

/** Posted to the fallback channel when a notification is given up on, so nobody relies on silence. */
export function deadNotificationText(dead: DeadNotification): string {
  const what = dead.incident
    ? `${incidentRef(dead.incident)} (${dead.incident.severity}, ${escapeMrkdwn(truncate(dead.incident.title, 200))})`
    : `incident ${dead.incidentId}`;
  const where = dead.channel ? ` to ${channelMention(dead.channel)}` : '';
  return (
    `:warning: Vigil could not deliver the *${dead.kind}* notification for ${what}${where}: ` +
    `${escapeMrkdwn(truncate(dead.reason, 500))}. It is marked dead and will not be retried; ` +
    `check the channel and that the bot is in it. Notification ${dead.notificationId}.`
  );
}

/** `45 s`, `12 m`, `1 h 5 m`, `2 d 3 h`: the two largest units are enough for people. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return `${total} s`;
  const units: Array<[string, number]> = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
  ];
  const parts: string[] = [];
  let rest = total;
  for (const [label, size] of units) {
    const amount = Math.floor(rest / size);
    rest -= amount * size;
    if (amount > 0 || parts.length > 0) parts.push(`${amount} ${label}`);
    if (parts.length === 2) break;
  }
  return parts.filter((part) => !part.startsWith('0 ')).join(' ');
}

/** Slack renders `<!date…>` in the reader's time zone; the fallback is UTC. */
function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  const fallback = `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${fallback}>`;
}

export function utcTime(iso: string): string {
  return `${new Date(Date.parse(iso)).toISOString().slice(11, 16)} UTC`;
}

function channelMention(channel: string): string {
  return /^[CG][A-Z0-9]+$/.test(channel) ? `<#${channel}>` : channel;
}

/** `slack:U123` is mentioned (`<@U123>`); any other actor (`api:deploy-bot`) is shown as text. */
export function actorText(actor: string): string {
  const user = slackUserOf(actor);
  return user ? `<@${user}>` : escapeMrkdwn(actor);
}

export function byline(actor: string | null | undefined): string {
  return actor ? ` by ${actorText(actor)}` : '';
}

/** A link people typed (validated http(s) by the register); characters that would end the link are encoded. */
function link(url: string, label: string): string {
  const safe = url.replaceAll('|', '%7C').replaceAll('<', '%3C').replaceAll('>', '%3E');
  return `<${safe}|${label}>`;
}

/** Text from events (titles, user names) must not turn into links or mentions. */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Escaped and cut to `max` characters without splitting an entity (`&amp;`) in two. */
export function escapeWithin(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  let out = '';
  for (const char of text) {
    const piece = escapeMrkdwn(char);
    if (out.length + piece.length > max - 1) break;
    out += piece;
  }
  return `${out}…`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}
