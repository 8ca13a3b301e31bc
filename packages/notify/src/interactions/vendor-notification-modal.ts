import { z } from 'zod';
import type { MessageBlock } from '../slack-message';
import type { ModalView } from './incident-modals';
import type { StateValues } from './interaction-payload';

/**
 * The "Vendor notified" button on a vendor-notification reminder, and the modal behind it: who at the company
 * told the vendor, when, and the vendor's ticket. Ids are part of the contract with messages already posted.
 */
export const VENDOR_NOTIFIED_ACTION = 'vigil.incident.vendor-notified';
export const VENDOR_NOTIFIED_CALLBACK = 'vigil.incident.vendor-notified.modal';

const BLOCKS = { reference: 'vendor_reference', notifiedAt: 'vendor_notified_at' } as const;
const VALUE = 'value';

/** The reminder posted in the incident's thread, with the button. */
export function vendorReminderBlocks(incidentId: string, text: string): MessageBlock[] {
  return [
    { type: 'section', text: { type: 'mrkdwn', text } },
    {
      type: 'actions',
      block_id: 'vigil.vendor-notification',
      elements: [
        { type: 'button', action_id: VENDOR_NOTIFIED_ACTION, text: { type: 'plain_text', text: 'Vendor notified', emoji: false }, value: incidentId, style: 'primary' },
      ],
    },
  ];
}

export const VendorModalContext = z.object({ incidentId: z.string().min(1), channel: z.string().optional(), messageTs: z.string().optional() });
export type VendorModalContext = z.infer<typeof VendorModalContext>;

export function vendorNotificationModal(context: VendorModalContext, seq?: number): ModalView {
  const plain = (text: string) => ({ type: 'plain_text' as const, text });
  return {
    type: 'modal' as const,
    callback_id: VENDOR_NOTIFIED_CALLBACK,
    private_metadata: JSON.stringify(context),
    title: plain(seq === undefined ? 'Vendor notified' : `Vendor notified: INC-${seq}`.slice(0, 24)),
    submit: plain('Record'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'input' as const,
        block_id: BLOCKS.reference,
        optional: true,
        label: plain('Vendor ticket or reference'),
        hint: plain('The case number or ticket the vendor gave, or how they were told.'),
        element: { type: 'plain_text_input' as const, action_id: VALUE, multiline: false, max_length: 500 },
      },
      {
        type: 'input' as const,
        block_id: BLOCKS.notifiedAt,
        optional: true,
        label: plain('When they were told (UTC, e.g. 2026-12-03T14:05Z)'),
        hint: plain('Leave empty for now.'),
        element: { type: 'plain_text_input' as const, action_id: VALUE, multiline: false, max_length: 40 },
      },
    ],
  };
}

export type VendorModalReading = { ok: true; reference?: string; notifiedAt?: string } | { ok: false; errors: Record<string, string> };

/** The typed fields; a time that is not one, or in the future, is shown next to its input. */
export function readVendorModal(values: StateValues, nowMs: number): VendorModalReading {
  const reference = values[BLOCKS.reference]?.[VALUE]?.value?.trim();
  const when = values[BLOCKS.notifiedAt]?.[VALUE]?.value?.trim();
  let notifiedAt: string | undefined;
  if (when) {
    const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(when) ? Date.parse(when) : Number.NaN;
    if (!Number.isFinite(ms)) return { ok: false, errors: { [BLOCKS.notifiedAt]: 'Give a time such as 2026-12-03T14:05Z.' } };
    if (ms > nowMs + 60_000) return { ok: false, errors: { [BLOCKS.notifiedAt]: 'That time is in the future.' } };
    notifiedAt = new Date(ms).toISOString();
  }
  return { ok: true, ...(reference ? { reference } : {}), ...(notifiedAt ? { notifiedAt } : {}) };
}

export const VENDOR_MODAL_FIRST_BLOCK = BLOCKS.reference;
