import { classifyFailure, type FailureClass } from '@vigil/runtime';

/** A record set aside: the error it failed with on its last attempt, and how many attempts it had. */
export interface PoisonedRecord<T> {
  record: T;
  error: unknown;
  attempts: number;
}

export interface IsolationOptions {
  /** Attempts a lone record gets before it is set aside (default 3). */
  attempts?: number;
  /** Wait before attempt n (n ≥ 2) of a lone record; default 100 ms, 400 ms, 1.6 s, ... */
  retryDelayMs?: (attempt: number) => number;
  classify?: (error: unknown) => FailureClass;
  sleep?: (ms: number) => Promise<void>;
}

const defaultDelay = (attempt: number): number => Math.min(100 * 4 ** (attempt - 2), 5_000);
const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Processes `records` in order with `work`, so that one record that fails every time cannot hold up
 * the rest. The whole slice is tried first (the common case costs nothing extra). When it fails:
 * - transiently (a dependency is down): the error is thrown, and the caller's batch is retried whole
 *   later; nothing is skipped;
 * - deterministically: the slice is halved and each half tried, in stream order, down to the single
 *   records that fail. Those get their further attempts together, one round per attempt after a
 *   short wait (so a batch of many bad records waits once per round, not once per record), and the
 *   ones that fail every attempt are returned as poisoned.
 *
 * `work` must be idempotent for a slice it has partly done before: a redelivered batch is, throughout
 * Vigil (events are recognised by id, detections by id, incident changes by key).
 */
export async function isolateRecords<T, R>(
  records: readonly T[],
  work: (slice: readonly T[]) => Promise<R>,
  options: IsolationOptions = {},
): Promise<{ results: R[]; poisoned: Array<PoisonedRecord<T>> }> {
  const attempts = Math.max(1, options.attempts ?? 3);
  const classify = options.classify ?? classifyFailure;
  const delay = options.retryDelayMs ?? defaultDelay;
  const sleep = options.sleep ?? defaultSleep;
  const results: R[] = [];

  /** Undefined when the slice went through; the error when it failed deterministically; throws when transiently. */
  const attempt = async (slice: readonly T[]): Promise<unknown> => {
    try {
      results.push(await work(slice));
      return undefined;
    } catch (error) {
      if (classify(error) === 'transient') throw error;
      return error ?? new Error('failed without an error');
    }
  };

  let suspects: Array<{ record: T; error: unknown }> = [];
  const bisect = async (slice: readonly T[]): Promise<void> => {
    if (slice.length === 0) return;
    const failure = await attempt(slice);
    if (failure === undefined) return;
    if (slice.length === 1) {
      suspects.push({ record: slice[0] as T, error: failure });
      return;
    }
    const middle = Math.ceil(slice.length / 2);
    await bisect(slice.slice(0, middle));
    await bisect(slice.slice(middle));
  };

  await bisect(records);
  for (let n = 2; n <= attempts && suspects.length > 0; n++) {
    await sleep(delay(n));
    const still: typeof suspects = [];
    for (const suspect of suspects) {
      const failure = await attempt([suspect.record]);
      if (failure !== undefined) still.push({ record: suspect.record, error: failure });
    }
    suspects = still;
  }
  return { results, poisoned: suspects.map((s) => ({ ...s, attempts })) };
}
