import { performance } from 'node:perf_hooks';
import {
  allowedActions,
  refusalMessage as lifecycleRefusal,
  type ActionFields,
  type IncidentAction,
  type TransitionInput,
} from '@vigil/incidents';
import { errorMessage } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';
import type { ResponseTimerArming } from '../escalation/response-timers';
import type { IncidentFacts } from '../incident-facts';
import { buttonActionOf, modalActionOf, type SlackModalAction } from '../slack-actions';
import type { IncidentActions, IncidentTransition, NotificationEnqueuer } from './incident-actions';
import { firstInputBlock, ModalContext, modalFor, readModal } from './incident-modals';
import {
  HandledPayload,
  userLabel,
  type BlockActionsPayload,
  type ViewSubmissionPayload,
} from './interaction-payload';
import type { SlackInteractionClient } from './slack-interaction-client';
import {
  describeFailure,
  ephemeral,
  optional,
  parseJson,
  settleWithin,
  slackReason,
  viewErrors,
  type InteractionAnswer,
  NOT_FOUND,
  type Refusal,
} from './interaction-answers';
import { onVendorClick, onVendorSubmission, type VendorNotificationRecorder } from './vendor-interactions';

export type { InteractionAnswer };

/** Slack gives up on an answer after 3 s; everything done before answering fits well inside that. */
export const DEFAULT_ANSWER_WITHIN_MS = 2_500;
/** At most this long looking up the incident before opening a modal for it. */
const STATE_CHECK_MS = 700;
/** Kept for `views.open` out of the answer budget when looking up the incident first. */
const VIEWS_OPEN_RESERVE_MS = 1_200;

export interface SlackInteractionOptions {
  incidents: IncidentActions;
  /** Sends the notifications an action creates now; without it the outbox sweeper sends them later. */
  notifier?: NotificationEnqueuer;
  /** `views.open` and `chat.postEphemeral`; without it buttons that need a modal say they cannot. */
  slack?: SlackInteractionClient;
  /** Re-armed with the incident after each action (the postmortem timer starts at resolution). */
  timers?: ResponseTimerArming;
  logger: Logger;
  /** The budget for work before the answer, in ms; 2500 by default. */
  answerWithinMs?: number;
  /** Records "Vendor notified" from the reminder's button and modal; without it the button does nothing. */
  vendors?: VendorNotificationRecorder;
}

/** The HTTP answer to Slack: status 200 (with or without a body) unless the payload itself is broken. */
export interface SlackInteractionHandler {
  /** `startedAt` is `performance.now()` when the request arrived: the 3 s count from there. */
  handle(payload: unknown, startedAt: number): Promise<InteractionAnswer>;
  /** Waits for what carries on after an answer: enqueues, late transitions, messages to the person. */
  drain(): Promise<void>;
}

interface Person {
  id: string;
  /** `@alice (U0ALICE01)`, for the timeline. */
  label: string;
}

/** Where the clicked message is, to reply there to the person alone. */
interface Place {
  channel?: string;
  messageTs?: string;
}

interface ActRequest {
  incidentId: string;
  action: IncidentAction;
  fields: ActionFields;
  person: Person;
  place: Place;
  idempotencyKey?: string;
}

/** What the person is told when an action did not happen; `expected` ones are not errors of Vigil's. */
/**
 * Turns verified Slack interaction payloads into incident actions. Acknowledge acts at once; Resolve and
 * Dismiss open a modal and act on its submission. Every answer comes within the budget: a transition that
 * takes longer finishes after the answer, Slack calls other than `views.open` are made after it, and a
 * refused action is explained to the person, never answered with a server error.
 */
export function createSlackInteractionHandler(options: SlackInteractionOptions): SlackInteractionHandler {
  const logger = options.logger.child({ component: 'slack-interactions' });
  const budget = options.answerWithinMs ?? DEFAULT_ANSWER_WITHIN_MS;
  const pending = new Set<Promise<void>>();

  const remaining = (startedAt: number) => budget - (performance.now() - startedAt);
  const vendorDeps = (vendors: VendorNotificationRecorder) => ({
    vendors,
    ...(options.slack ? { slack: options.slack } : {}),
    logger,
    nowMs: () => Date.now(),
  });

  /** Work that goes on after the answer; failures are logged, never thrown at nobody. */
  const track = (work: Promise<unknown>, what: string): void => {
    const running: Promise<void> = work
      .then(() => undefined)
      .catch((error: unknown) => logger.error({ err: error, what }, 'work after a Slack answer failed'))
      .finally(() => pending.delete(running));
    pending.add(running);
  };

  const tell = (person: Person, place: Place, text: string): void => {
    if (!options.slack || !place.channel) {
      logger.info({ user: person.id, text }, 'nowhere to tell the person in Slack; logged instead');
      return;
    }
    const slack = options.slack;
    track(
      slack.postEphemeral({ channel: place.channel, user: person.id, text }).catch((error: unknown) => {
        logger.warn({ err: error, user: person.id, channel: place.channel }, 'ephemeral reply failed');
      }),
      'ephemeral reply',
    );
  };

  const afterTransition = (result: IncidentTransition, request: ActRequest): void => {
    logger.info(
      {
        incidentId: request.incidentId,
        seq: result.incident.seq,
        action: request.action,
        actor: `slack:${request.person.id}`,
        replayed: result.replayed,
      },
      'incident action from Slack',
    );
    const { notifier, timers } = options;
    if (notifier && result.notifications.length > 0) {
      track(
        notifier.enqueue(result.notifications).catch((error: unknown) => {
          logger.warn(
            { err: error, incidentId: request.incidentId },
            'enqueueing the notifications failed; the outbox sweeper will send them',
          );
        }),
        'enqueue',
      );
    }
    if (timers) track(timers.sync(result.incident), 'arm response timers');
  };

  /** The transition, waited for within the budget; past it, finished (and any failure told) afterwards. */
  const act = async (request: ActRequest, startedAt: number): Promise<Refusal | undefined> => {
    const input: TransitionInput = {
      ...request.fields,
      // The person's name goes into the timeline with the action; the actor is the stable user id.
      text: request.fields.text ?? `via Slack by ${request.person.label}`,
      actor: `slack:${request.person.id}`,
      ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey } : {}),
    };
    const work = options.incidents.transition(request.incidentId, request.action, input);
    const settled = await settleWithin(work, remaining(startedAt));
    switch (settled.state) {
      case 'done':
        afterTransition(settled.value, request);
        return undefined;
      case 'failed': {
        const refusal = describeFailure(settled.error);
        logRefusal(refusal, settled.error, request);
        return refusal;
      }
      case 'late':
        logger.warn(
          { incidentId: request.incidentId, action: request.action },
          'the register did not answer in time; answered Slack first, the action finishes afterwards',
        );
        track(
          work.then(
            (result) => afterTransition(result, request),
            (error: unknown) => {
              const refusal = describeFailure(error);
              logRefusal(refusal, error, request);
              tell(request.person, request.place, refusal.text);
            },
          ),
          'late transition',
        );
        return undefined;
    }
  };

  const logRefusal = (refusal: Refusal, error: unknown, request: ActRequest): void => {
    const fields = { incidentId: request.incidentId, action: request.action, user: request.person.id };
    if (refusal.expected) logger.info({ ...fields, reason: errorMessage(error) }, 'Slack action refused');
    else logger.error({ ...fields, err: error }, 'Slack action failed');
  };

  const onBlockActions = async (
    payload: BlockActionsPayload,
    startedAt: number,
  ): Promise<InteractionAnswer> => {
    if (options.vendors) {
      const answer = await onVendorClick(payload, vendorDeps(options.vendors), remaining(startedAt));
      if (answer) return answer;
    }
    const match = payload.actions
      .map((element) => ({ element, kind: buttonActionOf(element.action_id) }))
      .find((candidate) => candidate.kind !== undefined);
    if (!match?.kind) return { status: 200 };
    const { element, kind } = match;
    const person: Person = { id: payload.user.id, label: userLabel(payload.user) };
    const place: Place = {
      ...optional('channel', payload.channel?.id ?? payload.container?.channel_id),
      ...optional('messageTs', payload.container?.message_ts ?? payload.message?.ts),
    };
    const incidentId = element.value;
    if (!incidentId) {
      logger.warn({ actionId: element.action_id }, 'button without an incident id; ignored');
      return { status: 200 };
    }

    if (kind === 'acknowledge') {
      // The same click delivered twice carries the same action_ts: the register applies it once.
      const click = element.action_ts ?? payload.trigger_id;
      const refusal = await act(
        {
          incidentId,
          action: 'acknowledge',
          fields: {},
          person,
          place,
          ...(click ? { idempotencyKey: `slack:acknowledge:${incidentId}:${person.id}:${click}` } : {}),
        },
        startedAt,
      );
      if (!refusal) return { status: 200 };
      tell(person, place, refusal.text);
      return { status: 200, body: ephemeral(refusal.text) };
    }
    return openModal(kind, incidentId, payload.trigger_id, person, place, startedAt);
  };

  const openModal = async (
    kind: SlackModalAction,
    incidentId: string,
    triggerId: string | undefined,
    person: Person,
    place: Place,
    startedAt: number,
  ): Promise<InteractionAnswer> => {
    const refuse = (text: string): InteractionAnswer => {
      tell(person, place, text);
      return { status: 200, body: ephemeral(text) };
    };
    if (!options.slack) {
      logger.warn({ action: kind }, 'no Slack token configured: cannot open the modal');
      return { status: 200, body: ephemeral('Vigil cannot open forms in Slack: it has no Slack token.') };
    }
    if (!triggerId) {
      logger.warn({ action: kind }, 'block action without a trigger id; cannot open the modal');
      return { status: 200 };
    }
    // Look before offering a form that could not be submitted; skipped when the register is slow.
    let incident: IncidentFacts | null | undefined;
    const lookMs = Math.min(STATE_CHECK_MS, remaining(startedAt) - VIEWS_OPEN_RESERVE_MS);
    if (lookMs > 0) {
      const looked = await settleWithin(options.incidents.getIncident(incidentId), lookMs);
      if (looked.state === 'done') incident = looked.value;
      else if (looked.state === 'failed')
        logger.warn(
          { err: looked.error, incidentId },
          'could not read the incident; opening the modal anyway',
        );
    }
    if (incident === null) return refuse(NOT_FOUND);
    if (incident && !allowedActions(incident.status).includes(kind))
      return refuse(lifecycleRefusal(incident, kind));

    const context: ModalContext = {
      incidentId,
      ...optional('channel', place.channel),
      ...optional('messageTs', place.messageTs),
    };
    const view = modalFor(kind, context, incident ? { seq: incident.seq, title: incident.title } : undefined);
    try {
      await options.slack.openView(triggerId, view, Math.max(remaining(startedAt), 250));
    } catch (error) {
      logger.warn({ err: error, incidentId, action: kind }, 'views.open failed');
      return refuse(`Vigil could not open the form (${slackReason(error)}). Please click the button again.`);
    }
    return { status: 200 };
  };

  const onViewSubmission = async (
    payload: ViewSubmissionPayload,
    startedAt: number,
  ): Promise<InteractionAnswer> => {
    if (options.vendors) {
      const answer = await onVendorSubmission(payload, vendorDeps(options.vendors));
      if (answer) return answer;
    }
    const kind = modalActionOf(payload.view.callback_id);
    if (!kind) return { status: 200 };
    const block = firstInputBlock(kind);
    const context = ModalContext.safeParse(parseJson(payload.view.private_metadata));
    if (!context.success) {
      logger.warn({ callbackId: payload.view.callback_id }, 'modal submission without its incident');
      return viewErrors({
        [block]: 'This form lost track of its incident. Close it and use the button again.',
      });
    }
    const reading = readModal(kind, payload.view.state.values);
    if (!reading.ok) return viewErrors(reading.errors);

    const refusal = await act(
      {
        incidentId: context.data.incidentId,
        action: kind,
        fields: reading.fields,
        person: { id: payload.user.id, label: userLabel(payload.user) },
        place: {
          ...optional('channel', context.data.channel),
          ...optional('messageTs', context.data.messageTs),
        },
        // One modal is one action: a submission delivered twice is applied once.
        idempotencyKey: `slack:view:${payload.view.id}`,
      },
      startedAt,
    );
    // An empty 200 closes the modal; errors keep it open with the reason next to the first input.
    return refusal ? viewErrors({ [block]: refusal.text }) : { status: 200 };
  };

  return {
    async handle(payload, startedAt) {
      const parsed = HandledPayload.safeParse(payload);
      if (!parsed.success) {
        const type =
          typeof payload === 'object' && payload !== null ? (payload as { type?: unknown }).type : undefined;
        if (type !== 'block_actions' && type !== 'view_submission') return { status: 200 };
        logger.warn({ type, issues: parsed.error.issues.length }, 'malformed Slack interaction payload');
        return {
          status: 400,
          body: { error: { code: 'invalid_payload', message: `not a ${type} payload Vigil can read` } },
        };
      }
      const interaction = parsed.data;
      return interaction.type === 'block_actions'
        ? onBlockActions(interaction, startedAt)
        : onViewSubmission(interaction, startedAt);
    },
    async drain() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
