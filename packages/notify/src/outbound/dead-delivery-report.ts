import type { DueDelivery } from '@vigil/incidents';
import type { Logger } from '@vigil/telemetry';
import { createSlackSender, type MessageSender } from '../message-sender';
import { escapeMrkdwn } from '../slack-message';

export interface DeadDeliveryReportOptions {
  /** Where dead deliveries are reported: the owners file's fallback channel. */
  channel: string;
  /** Unset: the report goes to the log, marked SLACK DISABLED. */
  slack: { token: string; apiUrl?: string } | undefined;
  logger: Logger;
  sender?: MessageSender;
}

/** Reports a webhook or PagerDuty delivery that died, as a dead Slack notification is: in the fallback channel. */
export function deadDeliveryReporter(options: DeadDeliveryReportOptions) {
  const sender =
    options.sender ??
    (options.slack
      ? createSlackSender({ token: options.slack.token, ...(options.slack.apiUrl ? { apiUrl: options.slack.apiUrl } : {}), logger: options.logger })
      : undefined);
  return async (delivery: DueDelivery, reason: string): Promise<void> => {
    const text =
      `:rotating_light: Vigil could not deliver a finding to ${escapeMrkdwn(delivery.target)} ` +
      `(incident ${delivery.incidentId}, timeline entry #${delivery.timelineEntryId}, after ${delivery.attempts + 1} attempts): ` +
      `${escapeMrkdwn(reason)}. It is marked dead in outbound_deliveries (id ${delivery.id}).`;
    if (!sender) {
      options.logger.error({ slack: 'disabled', wouldPost: { channel: options.channel, text } }, 'SLACK DISABLED: dead delivery report written to log');
      return;
    }
    await sender.post({ channel: options.channel, text });
  };
}
