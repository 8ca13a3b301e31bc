/**
 * Settles with `work`, or rejects with `onTimeout()` once `ms` have passed. The work itself is not
 * cancelled (kafkajs has no way to abort a send); callers must be fine with it finishing later.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
