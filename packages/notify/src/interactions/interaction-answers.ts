import { errorMessage } from '@vigil/runtime';

/** What Vigil answers Slack: 200 (maybe with a body Slack shows or acts on), or 400 for a payload it cannot read. */
export type InteractionAnswer =
  | { status: 200; body?: Record<string, unknown> }
  | { status: 400; body: { error: { code: string; message: string } } };

export interface Refusal {
  text: string;
  expected: boolean;
}

export type Settled<T> =
  { state: 'done'; value: T } | { state: 'failed'; error: unknown } | { state: 'late' };

export const NOT_FOUND = 'This incident is not in the Vigil register, so nothing was changed.';

/** What the person is told. Lifecycle refusals carry the register's own wording. */
export function describeFailure(error: unknown): Refusal {
  const name = error instanceof Error ? error.name : '';
  switch (name) {
    case 'IllegalTransitionError':
      return { text: errorMessage(error), expected: true };
    case 'IncidentNotFoundError':
      return { text: NOT_FOUND, expected: true };
    case 'ValidationError': {
      const details = (error as { details?: ReadonlyArray<{ path: string; message: string }> }).details ?? [];
      const what = details.map((detail) => `${detail.path}: ${detail.message}`).join('; ');
      return { text: `Vigil could not record this: ${what || errorMessage(error)}.`, expected: true };
    }
    case 'IdempotencyKeyReusedError':
      return {
        text: 'This click was already used for a different request. Please click again.',
        expected: true,
      };
    default:
      return {
        text: 'Vigil could not record this just now. Check the incident in a moment and try again if it did not change.',
        expected: false,
      };
  }
}

export function ephemeral(text: string): Record<string, unknown> {
  // Slack ignores bodies in answers to block actions; the same text is sent with chat.postEphemeral.
  return { response_type: 'ephemeral', replace_original: false, text };
}

export function viewErrors(errors: Record<string, string>): InteractionAnswer {
  return { status: 200, body: { response_action: 'errors', errors } };
}

export function slackReason(error: unknown): string {
  const data = (error as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : errorMessage(error);
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

export async function settleWithin<T>(work: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ state: 'late' }), Math.max(0, ms));
  });
  try {
    return await Promise.race([
      work.then(
        (value): Settled<T> => ({ state: 'done', value }),
        (error: unknown): Settled<T> => ({ state: 'failed', error }),
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
