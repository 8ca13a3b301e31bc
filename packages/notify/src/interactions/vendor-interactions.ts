import type { Logger } from '@vigil/telemetry';
import { userLabel, type BlockActionsPayload, type ViewSubmissionPayload } from './interaction-payload';
import type { SlackInteractionClient } from './slack-interaction-client';
import { readVendorModal, VENDOR_MODAL_FIRST_BLOCK, VENDOR_NOTIFIED_ACTION, VENDOR_NOTIFIED_CALLBACK, VendorModalContext, vendorNotificationModal } from './vendor-notification-modal';

/** Records a vendor notification for an incident; null when the incident owes no vendor one. */
export interface VendorNotificationRecorder {
  record(incidentId: string, input: { reference?: string; notifiedAt?: string }, actor: string): Promise<{ vendorName: string; seq: number } | null>;
}

export interface VendorInteractionDeps {
  vendors: VendorNotificationRecorder;
  slack?: SlackInteractionClient;
  logger: Logger;
  nowMs: () => number;
}

/** As `InteractionAnswer` of the handler (kept structural here: the handler imports this module). */
type InteractionAnswer = { status: 200; body?: Record<string, unknown> };

const ephemeral = (text: string): InteractionAnswer => ({ status: 200, body: { response_type: 'ephemeral', replace_original: false, text } });

/** A click on "Vendor notified": opens the modal; undefined when the payload is not such a click. */
export async function onVendorClick(payload: BlockActionsPayload, deps: VendorInteractionDeps, budgetMs: number): Promise<InteractionAnswer | undefined> {
  const element = payload.actions.find((a) => a.action_id === VENDOR_NOTIFIED_ACTION);
  if (!element) return undefined;
  if (!element.value || !payload.trigger_id) return { status: 200 };
  if (!deps.slack) return ephemeral('Vigil cannot open forms in Slack: it has no Slack token.');
  const context: VendorModalContext = {
    incidentId: element.value,
    ...(payload.channel?.id ? { channel: payload.channel.id } : {}),
    ...(payload.message?.ts ? { messageTs: payload.message.ts } : {}),
  };
  try {
    await deps.slack.openView(payload.trigger_id, vendorNotificationModal(context), Math.max(budgetMs, 250));
  } catch (error) {
    deps.logger.warn({ err: error, incidentId: element.value }, 'views.open failed (vendor notification)');
    return ephemeral('Vigil could not open the form. Please click the button again.');
  }
  return { status: 200 };
}

/** The modal submitted: records the notification; undefined when it is not this modal. */
export async function onVendorSubmission(payload: ViewSubmissionPayload, deps: VendorInteractionDeps): Promise<InteractionAnswer | undefined> {
  if (payload.view.callback_id !== VENDOR_NOTIFIED_CALLBACK) return undefined;
  const errors = (text: string): InteractionAnswer => ({ status: 200, body: { response_action: 'errors', errors: { [VENDOR_MODAL_FIRST_BLOCK]: text } } });
  let metadata: unknown;
  try {
    metadata = JSON.parse(payload.view.private_metadata);
  } catch {
    metadata = undefined;
  }
  const context = VendorModalContext.safeParse(metadata);
  if (!context.success) return errors('This form lost track of its incident. Close it and use the button again.');
  const reading = readVendorModal(payload.view.state.values, deps.nowMs());
  if (!reading.ok) return { status: 200, body: { response_action: 'errors', errors: reading.errors } };
  const actor = `slack:${payload.user.id}`;
  try {
    const recorded = await deps.vendors.record(
      context.data.incidentId,
      { ...(reading.reference ? { reference: reading.reference } : {}), ...(reading.notifiedAt ? { notifiedAt: reading.notifiedAt } : {}) },
      actor,
    );
    if (!recorded) return errors('This incident owes no vendor a notification.');
    deps.logger.info({ incidentId: context.data.incidentId, actor, by: userLabel(payload.user) }, 'vendor notification recorded from Slack');
    return { status: 200 };
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'IncidentNotFoundError') return errors('This incident is not in the Vigil register, so nothing was recorded.');
    deps.logger.error({ err: error, incidentId: context.data.incidentId }, 'recording a vendor notification failed');
    return errors('Vigil could not record this just now. Please submit again.');
  }
}
