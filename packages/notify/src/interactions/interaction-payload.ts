import { z } from 'zod';

/**
 * The parts of Slack's interaction payloads Vigil reads. Slack sends far more, and adds fields over time;
 * unknown fields are ignored rather than refused.
 */

const SlackUser = z.object({
  id: z.string().min(1),
  username: z.string().optional(),
  name: z.string().optional(),
});

const Team = z.object({ id: z.string() }).nullable().optional();

const ElementAction = z.object({
  action_id: z.string(),
  type: z.string().optional(),
  block_id: z.string().optional(),
  value: z.string().optional(),
  /** Unique per click: what makes a retried delivery of the same click recognisable. */
  action_ts: z.string().optional(),
});

export const BlockActionsPayload = z.object({
  type: z.literal('block_actions'),
  user: SlackUser,
  team: Team,
  /** Valid for 3 seconds, once: opens a modal. */
  trigger_id: z.string().optional(),
  response_url: z.string().optional(),
  container: z
    .object({
      type: z.string().optional(),
      message_ts: z.string().optional(),
      channel_id: z.string().optional(),
    })
    .optional(),
  channel: z.object({ id: z.string(), name: z.string().optional() }).optional(),
  message: z.object({ ts: z.string(), thread_ts: z.string().optional() }).optional(),
  actions: z.array(ElementAction).min(1),
});
export type BlockActionsPayload = z.infer<typeof BlockActionsPayload>;

/** One input's state: `value` for text and URL inputs (null when left empty). */
const InputState = z.object({ type: z.string(), value: z.string().nullable().optional() });

export const ViewSubmissionPayload = z.object({
  type: z.literal('view_submission'),
  user: SlackUser,
  team: Team,
  view: z.object({
    /** Stays the same while the modal is open: one submission of one modal is one action. */
    id: z.string().min(1),
    callback_id: z.string(),
    private_metadata: z.string().default(''),
    state: z
      .object({ values: z.record(z.string(), z.record(z.string(), InputState)) })
      .default({ values: {} }),
  }),
});
export type ViewSubmissionPayload = z.infer<typeof ViewSubmissionPayload>;

export type StateValues = ViewSubmissionPayload['view']['state']['values'];

/** Payloads handled; anything else (view_closed, shortcuts, …) is answered 200 and left alone. */
export const HandledPayload = z.discriminatedUnion('type', [BlockActionsPayload, ViewSubmissionPayload]);
export type HandledPayload = z.infer<typeof HandledPayload>;

/** The user as people know them, for the timeline: `@username` when Slack says, else the id. */
export function userLabel(user: z.infer<typeof SlackUser>): string {
  const name = user.username ?? user.name;
  return name ? `@${name} (${user.id})` : user.id;
}
