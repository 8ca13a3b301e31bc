import type { PoolClient } from 'pg';
import { walkChain } from '../chain-verifier';
import type { ChainVerification } from '../incident-types';

/**
 * Recomputes the whole timeline chain inside the caller's transaction, so that the head an export prints
 * belongs to the same snapshot as its population. The walk is `verifyChain`'s own.
 */
export async function verifyChainIn(client: PoolClient): Promise<ChainVerification> {
  const walk = await walkChain(client);
  return walk.ok ? walk : { ...walk, entry: null };
}
