import type { NotificationFacts, NotificationKind } from '@vigil/schema';
import { changeReply } from './change-reply';
import type { IncidentFacts } from './incident-facts';
import type { ResolvedOwner } from './owners';
import { followUpText, incidentMessage, type MessageBlock } from './slack-message';

/** Named so a retry can tell which steps of a notification already happened. */
export type StepName = 'post' | 'update' | 'reply' | 'log';

export type DeliveryStep =
  | { step: 'post'; channel: string; text: string; blocks: MessageBlock[] }
  | { step: 'update'; channel: string; ts: string; text: string; blocks: MessageBlock[] }
  /** Without `threadTs`, in the thread of the message this delivery's own `post` step made. */
  | { step: 'reply'; channel: string; threadTs?: string; text: string }
  | { step: 'log'; channel: string; text: string; followUp?: string; blocks: MessageBlock[] };

export interface DeliveryPlan {
  steps: DeliveryStep[];
  /** The channel a new message lands in, if any: it takes a slot of the per-channel rate limit. */
  postsTo?: string;
}

export interface PlanInput {
  kind: NotificationKind;
  incident: IncidentFacts;
  /** The change as it happened; absent on notifications written before facts were recorded. */
  facts?: NotificationFacts | undefined;
  owner: ResolvedOwner;
  slackEnabled: boolean;
  /** Detection count shown by the incident's last delivered message, when known. */
  previousDetectionCount?: number;
}

/**
 * Which Slack calls a notification makes. The incident's message shows the incident as it is now, so a late
 * update never rolls it back; the thread reply tells the change the notification was made for, from its facts.
 * The caller makes sure the incident's earlier notifications are delivered (or dead) first.
 */
export function planDelivery({
  kind,
  incident,
  facts,
  owner,
  slackEnabled,
  previousDetectionCount,
}: PlanInput): DeliveryPlan {
  const message = incidentMessage(incident, owner, { historical: facts?.historical === true });
  const followUp =
    kind === 'opened'
      ? undefined
      : facts
        ? changeReply(facts, incident)
        : followUpText(kind, incident, previousDetectionCount);

  if (!slackEnabled) {
    // Nothing to update in a log, so every kind writes the whole message; no ordering dependency.
    const channel = incident.slack?.channel ?? owner.channel;
    return {
      steps: [
        {
          step: 'log',
          channel,
          text: message.text,
          blocks: message.blocks,
          ...(followUp ? { followUp } : {}),
        },
      ],
    };
  }

  const slack = incident.slack;
  if (!slack) {
    // No message in Slack although everything before this notification is settled: the incident opened while
    // Slack was not configured (its first message went to the log), or its opening post died. Its first
    // message is posted now, showing it as it is, and the change goes in the new thread.
    const post: DeliveryStep = { step: 'post', channel: owner.channel, ...message };
    return {
      steps: followUp ? [post, { step: 'reply', channel: owner.channel, text: followUp }] : [post],
      postsTo: owner.channel,
    };
  }

  const update: DeliveryStep = { step: 'update', channel: slack.channel, ts: slack.ts, ...message };
  // An `opened` that finds a message already there (re-driven after its post was recorded) only refreshes it.
  if (!followUp) return { steps: [update] };
  return {
    steps: [update, { step: 'reply', channel: slack.channel, threadTs: slack.ts, text: followUp }],
    postsTo: slack.channel,
  };
}
