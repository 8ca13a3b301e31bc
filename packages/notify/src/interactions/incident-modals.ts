import { DismissFields, ResolveFields, type ActionFields } from '@vigil/incidents';
import { z } from 'zod';
import { SLACK_VIEW_CALLBACKS, type SlackModalAction } from '../slack-actions';
import { escapeWithin } from '../slack-message';
import type { StateValues } from './interaction-payload';

/** Where the click came from, carried through the modal in `private_metadata`. */
export const ModalContext = z.object({
  incidentId: z.string().min(1),
  /** The channel and message the button was on, to tell the user about a late failure. */
  channel: z.string().optional(),
  messageTs: z.string().optional(),
});
export type ModalContext = z.infer<typeof ModalContext>;

/** The modal shape `views.open` takes; only what is used here. */
export interface ModalView {
  type: 'modal';
  callback_id: string;
  private_metadata: string;
  title: PlainText;
  submit: PlainText;
  close: PlainText;
  blocks: ModalBlock[];
}
interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
type ModalBlock =
  | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
  | {
      type: 'input';
      block_id: string;
      optional: boolean;
      label: PlainText;
      hint?: PlainText;
      element:
        | {
            type: 'plain_text_input';
            action_id: string;
            multiline: boolean;
            max_length: number;
            placeholder?: PlainText;
          }
        | { type: 'url_text_input'; action_id: string; placeholder?: PlainText };
    };

/** Every input's element has this action id; the block id names the field. */
const VALUE = 'value';

/** Block id of each field's input. */
const FIELD_BLOCKS = {
  rootCause: 'root_cause',
  remediation: 'remediation',
  postmortemUrl: 'postmortem_url',
  reason: 'reason',
} as const satisfies Partial<Record<keyof ActionFields, string>>;
type ModalField = keyof typeof FIELD_BLOCKS;

const MODAL_FIELDS: Readonly<Record<SlackModalAction, readonly ModalField[]>> = {
  resolve: ['rootCause', 'remediation', 'postmortemUrl'],
  dismiss: ['reason'],
};

/** Slack's limit for a plain text input. */
const INPUT_MAX = 3000;

export interface ModalIncident {
  seq: number;
  title: string;
}

/** Asks for the root cause, remediation and postmortem link; none is required to resolve. */
export function resolveModal(context: ModalContext, incident?: ModalIncident): ModalView {
  return {
    type: 'modal',
    callback_id: SLACK_VIEW_CALLBACKS.resolve,
    private_metadata: JSON.stringify(context),
    title: title(incident ? `Resolve INC-${incident.seq}` : 'Resolve incident'),
    submit: plain('Resolve'),
    close: plain('Cancel'),
    blocks: [
      ...heading(incident),
      textInput(FIELD_BLOCKS.rootCause, 'Root cause', {
        optional: true,
        hint: 'What caused it. Leave empty if not known yet: SEV1/SEV2 incidents are followed up when it stays missing.',
      }),
      textInput(FIELD_BLOCKS.remediation, 'Remediation', {
        optional: true,
        hint: 'What was done to fix it, and what will stop it happening again.',
      }),
      {
        type: 'input',
        block_id: FIELD_BLOCKS.postmortemUrl,
        optional: true,
        label: plain('Postmortem link'),
        element: { type: 'url_text_input', action_id: VALUE, placeholder: plain('https://…') },
      },
    ],
  };
}

/** Asks why this is not an incident: required, since a dismissal must be evidenced (CC7.3). */
export function dismissModal(context: ModalContext, incident?: ModalIncident): ModalView {
  return {
    type: 'modal',
    callback_id: SLACK_VIEW_CALLBACKS.dismiss,
    private_metadata: JSON.stringify(context),
    title: title(incident ? `Dismiss INC-${incident.seq}` : 'Dismiss incident'),
    submit: plain('Dismiss'),
    close: plain('Cancel'),
    blocks: [
      ...heading(incident),
      textInput(FIELD_BLOCKS.reason, 'Why is this not an incident?', {
        optional: false,
        hint: 'Kept in the incident register as the reason for the dismissal.',
      }),
    ],
  };
}

export function modalFor(
  action: SlackModalAction,
  context: ModalContext,
  incident?: ModalIncident,
): ModalView {
  return action === 'resolve' ? resolveModal(context, incident) : dismissModal(context, incident);
}

export type ModalReading =
  | { ok: true; fields: ActionFields }
  /** Per block id, as `response_action: 'errors'` wants them. */
  | { ok: false; errors: Record<string, string> };

/**
 * The fields typed into a modal, checked with the register's own rules so a mistake is shown next to its
 * input rather than as a failure after the modal closed.
 */
export function readModal(action: SlackModalAction, values: StateValues): ModalReading {
  const input: Partial<Record<ModalField, string>> = {};
  for (const field of MODAL_FIELDS[action]) {
    const value = values[FIELD_BLOCKS[field]]?.[VALUE]?.value;
    // An optional input left empty is absent; a required one is passed on so the schema says what is wrong.
    if (typeof value === 'string' && (value.trim() !== '' || action === 'dismiss')) input[field] = value;
  }
  const schema = action === 'resolve' ? ResolveFields : DismissFields;
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, fields: parsed.data };
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const field = issue.path[0];
    const block =
      typeof field === 'string' && field in FIELD_BLOCKS
        ? FIELD_BLOCKS[field as ModalField]
        : firstInputBlock(action);
    errors[block] ??= sentence(issue.message);
  }
  return { ok: false, errors };
}

/** Where an error about the action as a whole (not one field) is shown. */
export function firstInputBlock(action: SlackModalAction): string {
  const first = MODAL_FIELDS[action][0];
  return first ? FIELD_BLOCKS[first] : FIELD_BLOCKS.reason;
}

function heading(incident: ModalIncident | undefined): ModalBlock[] {
  if (!incident) return [];
  const text = `*INC-${incident.seq}* · ${escapeWithin(incident.title, 2900)}`;
  return [{ type: 'section', text: { type: 'mrkdwn', text } }];
}

function textInput(blockId: string, label: string, options: { optional: boolean; hint: string }): ModalBlock {
  return {
    type: 'input',
    block_id: blockId,
    optional: options.optional,
    label: plain(label),
    hint: plain(options.hint),
    element: { type: 'plain_text_input', action_id: VALUE, multiline: true, max_length: INPUT_MAX },
  };
}

function plain(text: string): PlainText {
  return { type: 'plain_text', text };
}

/** Modal titles are at most 24 characters. */
function title(text: string): PlainText {
  return plain(text.length <= 24 ? text : `${text.slice(0, 23)}…`);
}

function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
