import { BACKUP_STATE, type VigilEvent } from '@vigil/schema';
import { stringAttribute } from '../detection-builder';

/** Backup states that mean the backup is not there. */
export const FAILED_BACKUP_STATES: ReadonlySet<string> = new Set(['failed', 'aborted', 'deleted']);

/** A backup job that finished and left a backup behind. */
export function isSuccessfulBackup(event: VigilEvent): boolean {
  if (event.kind !== 'backup' || event.outcome !== 'success') return false;
  const state = stringAttribute(event, BACKUP_STATE);
  return state === undefined || state === 'completed';
}
