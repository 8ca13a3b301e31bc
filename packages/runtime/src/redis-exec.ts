/** What `execOrThrow` needs of an ioredis pipeline or MULTI (structural, so this package needs no Redis client). */
export interface ExecChain {
  exec(): Promise<Array<[Error | null, unknown]> | null>;
}

/**
 * Runs a pipeline or MULTI and throws the first command error: ioredis resolves `exec()` even when
 * commands in it failed, which would let a lost write pass silently.
 */
export async function execOrThrow(chain: ExecChain): Promise<unknown[]> {
  const results = await chain.exec();
  if (!results) throw new Error('Redis transaction was aborted');
  const failed = results.find(([error]) => error);
  if (failed?.[0]) throw failed[0];
  return results.map(([, value]) => value);
}
