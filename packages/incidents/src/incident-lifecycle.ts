import type { z } from 'zod';
import type { FieldError, NotificationKind } from '@vigil/schema';
import {
  AcknowledgeFields,
  CloseFields,
  CommentFields,
  ContainFields,
  DismissFields,
  inputErrors,
  ResolveFields,
  type ActionFields,
} from './incident-inputs';
import type { IncidentStatus } from './notification-store';

/** What a person (or a tool acting for one) can do to an incident. Reopening is the register's own doing. */
export const INCIDENT_ACTIONS = ['acknowledge', 'contain', 'resolve', 'close', 'dismiss', 'comment'] as const;
export type IncidentAction = (typeof INCIDENT_ACTIONS)[number];

type StateChange = Exclude<IncidentAction, 'comment'>;

/** Where each action may be taken and where it leads. Anything not listed is refused. */
const TRANSITIONS: Readonly<Record<IncidentStatus, Partial<Record<StateChange, IncidentStatus>>>> = {
  open: { acknowledge: 'acknowledged', contain: 'contained', resolve: 'resolved', dismiss: 'dismissed' },
  acknowledged: { contain: 'contained', resolve: 'resolved', dismiss: 'dismissed' },
  contained: { resolve: 'resolved' },
  resolved: { close: 'closed' },
  closed: {},
  dismissed: {},
};

/** States that only a firing detection can take back to open (within the store's reopen window). */
const REOPENABLE: readonly IncidentStatus[] = ['resolved'];

export const ACTION_FIELDS: Readonly<Record<IncidentAction, z.ZodType<ActionFields>>> = {
  acknowledge: AcknowledgeFields,
  contain: ContainFields,
  resolve: ResolveFields,
  close: CloseFields,
  dismiss: DismissFields,
  comment: CommentFields,
};

/** Which `<step>_at` / `<step>_by` pair an action fills in. */
export type LifecycleStamp = 'acknowledged' | 'contained' | 'resolved' | 'closed' | 'dismissed';

const STAMP: Readonly<Record<StateChange, LifecycleStamp>> = {
  acknowledge: 'acknowledged',
  contain: 'contained',
  resolve: 'resolved',
  close: 'closed',
  dismiss: 'dismissed',
};

const DONE: Readonly<Record<IncidentAction, string>> = {
  acknowledge: 'acknowledged',
  contain: 'contained',
  resolve: 'resolved',
  close: 'closed',
  dismiss: 'dismissed',
  comment: 'commented on',
};

export interface LifecyclePlan {
  action: IncidentAction;
  from: IncidentStatus;
  to: IncidentStatus;
  /** The `*_at` / `*_by` pair to fill in; null for a comment. */
  stamp: LifecycleStamp | null;
  /** The validated fields, trimmed. */
  fields: ActionFields;
  /** Also the change the notification announces (`NotificationFacts.change`). */
  timeline: { kind: LifecycleStamp | 'commented'; data: Record<string, unknown> };
  /** Every action is told in the incident's Slack thread, a comment too (docs/api.md). */
  notify: NotificationKind;
}

export type LifecycleRefusal =
  | { code: 'invalid_input'; message: string; details: FieldError[] }
  | { code: 'illegal_transition'; message: string };

export type LifecycleDecision = { ok: true; plan: LifecyclePlan } | { ok: false; refusal: LifecycleRefusal };

/** The status an action leads to from `status`, or null when it may not be taken there. */
export function nextStatus(status: IncidentStatus, action: IncidentAction): IncidentStatus | null {
  if (action === 'comment') return status;
  return TRANSITIONS[status][action] ?? null;
}

/** Every action allowed in `status`, in lifecycle order; `comment` always is. */
export function allowedActions(status: IncidentStatus): IncidentAction[] {
  return INCIDENT_ACTIONS.filter((action) => nextStatus(status, action) !== null);
}

export function isTerminal(status: IncidentStatus): boolean {
  return Object.keys(TRANSITIONS[status]).length === 0;
}

/** Whether a firing detection within the reopen window may take an incident in `status` back to open. */
export function canReopen(status: IncidentStatus): boolean {
  return REOPENABLE.includes(status);
}

/** `INC-<seq>`, as people and messages name an incident. */
export function incidentRef(seq: number): string {
  return `INC-${seq}`;
}

/**
 * Decides what `action` does to an incident in its current state, with the fields given. Pure: the store
 * runs it while holding the incident's row lock and writes what it says.
 */
export function planAction(
  incident: { seq: number; status: IncidentStatus },
  action: IncidentAction,
  input: unknown,
): LifecycleDecision {
  const parsed = ACTION_FIELDS[action].safeParse(input ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      refusal: {
        code: 'invalid_input',
        message: `invalid fields for ${action}`,
        details: inputErrors(parsed.error, `not a field of ${action}`),
      },
    };
  }

  const to = nextStatus(incident.status, action);
  if (to === null) {
    return { ok: false, refusal: { code: 'illegal_transition', message: refusalMessage(incident, action) } };
  }

  const fields = parsed.data;
  const data: Record<string, unknown> = { ...fields };
  if (action !== 'comment') {
    data.from = incident.status;
    data.to = to;
  }
  return {
    ok: true,
    plan: {
      action,
      from: incident.status,
      to,
      stamp: action === 'comment' ? null : STAMP[action],
      fields,
      timeline: { kind: action === 'comment' ? 'commented' : STAMP[action], data },
      notify: action === 'resolve' ? 'resolved' : 'updated',
    },
  };
}

/** "INC-12 is resolved; it cannot be acknowledged. A resolved incident can be closed or commented on." */
export function refusalMessage(
  incident: { seq: number; status: IncidentStatus },
  action: IncidentAction,
): string {
  const { status } = incident;
  const again = DONE[action] === status ? ' again' : '';
  const head = `${incidentRef(incident.seq)} is ${status}; it cannot be ${DONE[action]}${again}.`;
  if (isTerminal(status)) return `${head} ${capitalise(status)} is final: only comments can be added.`;
  const options = allowedActions(status).map((allowed) => DONE[allowed]);
  const article = /^[aeiou]/.test(status) ? 'An' : 'A';
  return `${head} ${article} ${status} incident can be ${orList(options)}.`;
}

function orList(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
