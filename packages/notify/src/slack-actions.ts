/**
 * The interactive parts of the incident message and the modals behind them. The ids are part of the
 * contract with messages already in Slack: a message posted today is clicked next week, so they never change.
 */
export const SLACK_ACTION_IDS = {
  acknowledge: 'vigil.incident.acknowledge',
  resolve: 'vigil.incident.resolve',
  dismiss: 'vigil.incident.dismiss',
} as const;

/** The incident actions that have a button on the message. */
export type SlackButtonAction = keyof typeof SLACK_ACTION_IDS;

export const SLACK_BUTTON_ACTIONS: readonly SlackButtonAction[] = ['acknowledge', 'resolve', 'dismiss'];

/** `callback_id` of the modals; a submission is routed by it. */
export const SLACK_VIEW_CALLBACKS = {
  resolve: 'vigil.incident.resolve.modal',
  dismiss: 'vigil.incident.dismiss.modal',
} as const;

export type SlackModalAction = keyof typeof SLACK_VIEW_CALLBACKS;

export function buttonActionOf(actionId: string): SlackButtonAction | undefined {
  return SLACK_BUTTON_ACTIONS.find((action) => SLACK_ACTION_IDS[action] === actionId);
}

export function modalActionOf(callbackId: string): SlackModalAction | undefined {
  return (Object.keys(SLACK_VIEW_CALLBACKS) as SlackModalAction[]).find(
    (action) => SLACK_VIEW_CALLBACKS[action] === callbackId,
  );
}
