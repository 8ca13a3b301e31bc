import type { IncidentStatus, IncidentView } from '@vigil/incidents';
import type { NotificationKind, Severity } from '@vigil/schema';
import type { ResolvedOwner } from './owners';

/** The Block Kit shapes used here; structurally what `chat.postMessage` accepts. */
export type MessageBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji: boolean } }
  | { type: 'section'; text?: MarkdownText; fields?: MarkdownText[] }
  | { type: 'context'; elements: MarkdownText[] };
interface MarkdownText {
  type: 'mrkdwn';
  text: string;
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

// Slack's limits: header text 150 characters, section text 3000, a field 2000.
const HEADER_MAX = 150;
const SECTION_MAX = 3000;

export function incidentRef(incident: Pick<IncidentView, 'seq'>): string {
  return `INC-${incident.seq}`;
}

/** The incident's one message, posted when it opens and updated in place afterwards. */
export function incidentMessage(incident: IncidentView, owner: ResolvedOwner): SlackMessage {
  const ref = incidentRef(incident);
  const state = STATUS_LABEL[incident.status];
  const entity = `${incident.entity.type} ${incident.entity.id}`;
  const text =
    `${SEVERITY_ICON[incident.severity]} ${incident.severity} ${ref}: ${escapeMrkdwn(incident.title)} ` +
    `[${state}] ${incident.criteria.join(', ')} · ${escapeMrkdwn(entity)} · ${escapeMrkdwn(owner.team)}`;

  const fields: string[] = [
    `*Severity*\n${SEVERITY_ICON[incident.severity]} ${incident.severity}`,
    `*State*\n${state}`,
    `*Criteria*\n${incident.criteria.join(', ')}`,
    `*Entity*\n${escapeMrkdwn(entity)}`,
    `*Owner*\n${escapeMrkdwn(owner.team)} · ${channelMention(owner.channel)}`,
    `*Detections*\n${incident.detectionCount}`,
    `*First seen*\n${slackDate(incident.firstEventAt)}`,
    `*Last seen*\n${slackDate(incident.lastSeenAt)}`,
  ];
  if (incident.resolvedAt !== null) fields.push(`*Resolved*\n${slackDate(incident.resolvedAt)}`);
  if (incident.downtimeSeconds !== null)
    fields.push(`*Downtime*\n${formatDuration(incident.downtimeSeconds)}`);

  const oncall =
    owner.oncall.length > 0 ? `\nOn call: ${owner.oncall.map((id) => `<@${id}>`).join(' ')}` : '';
  const blocks: MessageBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(`${ref} · ${incident.title}`, HEADER_MAX), emoji: true },
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text:
          truncate(escapeMrkdwn(incident.summary || incident.title), SECTION_MAX - oncall.length) + oncall,
      },
      fields: fields.map((field) => ({ type: 'mrkdwn', text: field })),
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Rule ${escapeMrkdwn(incident.ruleId)} v${incident.ruleVersion} · ${incident.category} · detected ${slackDate(incident.detectedAt)}`,
        },
      ],
    },
  ];
  return { text, blocks };
}

/** The thread reply that says what changed; `previousDetectionCount` is what the last message showed. */
export function followUpText(
  kind: Exclude<NotificationKind, 'opened'>,
  incident: IncidentView,
  previousDetectionCount?: number,
): string {
  if (kind === 'resolved') {
    if (incident.downtimeSeconds !== null)
      return `Resolved after ${formatDuration(incident.downtimeSeconds)} of downtime.`;
    if (incident.resolvedAt !== null) {
      const openFor = (Date.parse(incident.resolvedAt) - Date.parse(incident.detectedAt)) / 1000;
      return `Resolved ${formatDuration(openFor)} after it was detected.`;
    }
    return 'Resolved.';
  }
  const count = incident.detectionCount;
  const lastAt = `last at ${utcTime(incident.lastSeenAt)}`;
  const newer = previousDetectionCount === undefined ? 0 : count - previousDetectionCount;
  if (newer > 0) return `${newer} more ${plural(newer, 'detection')} (${count} in all), ${lastAt}.`;
  return `${STATUS_LABEL[incident.status]}: ${count} ${plural(count, 'detection')} in all, ${lastAt}.`;
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

function utcTime(iso: string): string {
  return `${new Date(Date.parse(iso)).toISOString().slice(11, 16)} UTC`;
}

function channelMention(channel: string): string {
  return /^[CG][A-Z0-9]+$/.test(channel) ? `<#${channel}>` : channel;
}

/** Text from events (titles, user names) must not turn into links or mentions. */
function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}
