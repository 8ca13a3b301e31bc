import type { IncidentFacts } from './incident-facts';
import type { NotificationKind } from '@vigil/schema';
import type { ResolvedOwner } from './owners';
import { followUpText, incidentMessage, type MessageBlock } from './slack-message';

/** Named so a retry can tell which steps of a notification already happened. */
export type StepName = 'post' | 'update' | 'reply' | 'log';

export type DeliveryStep =
  | { step: 'post'; channel: string; text: string; blocks: MessageBlock[] }
  | { step: 'update'; channel: string; ts: string; text: string; blocks: MessageBlock[] }
  | { step: 'reply'; channel: string; threadTs: string; text: string }
  | { step: 'log'; channel: string; text: string; followUp?: string; blocks: MessageBlock[] };

export type DeliveryPlan =
  | {
      type: 'steps';
      steps: DeliveryStep[];
      /** The channel a new message lands in, if any: it takes a slot of the per-channel rate limit. */
      postsTo?: string;
    }
  /** An update or resolution whose incident has no Slack message yet: it must wait for the opening post. */
  | { type: 'wait-for-first-message' };

export interface PlanInput {
  kind: NotificationKind;
  incident: IncidentFacts;
  owner: ResolvedOwner;
  slackEnabled: boolean;
  /** Detection count shown by the incident's last delivered message, when known. */
  previousDetectionCount?: number;
}

/**
 * Which Slack calls a notification makes, from the incident as it is now: the message always shows
 * the current state, so a late update never rolls it back.
 */
export function planDelivery({
  kind,
  incident,
  owner,
  slackEnabled,
  previousDetectionCount,
}: PlanInput): DeliveryPlan {
  const message = incidentMessage(incident, owner);
  const followUp = kind === 'opened' ? undefined : followUpText(kind, incident, previousDetectionCount);

  if (!slackEnabled) {
    // Nothing to update in a log, so every kind writes the whole message; no ordering dependency.
    const channel = incident.slack?.channel ?? owner.channel;
    return {
      type: 'steps',
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
    if (kind !== 'opened') return { type: 'wait-for-first-message' };
    return {
      type: 'steps',
      steps: [{ step: 'post', channel: owner.channel, ...message }],
      postsTo: owner.channel,
    };
  }

  const update: DeliveryStep = { step: 'update', channel: slack.channel, ts: slack.ts, ...message };
  // An `opened` that finds a message already there (re-driven after its post was recorded) only refreshes it.
  if (!followUp) return { type: 'steps', steps: [update] };
  return {
    type: 'steps',
    steps: [update, { step: 'reply', channel: slack.channel, threadTs: slack.ts, text: followUp }],
    postsTo: slack.channel,
  };
}
