/**
 * Crash points for the fault suite (test/fault, `pnpm fault`). Each names a moment where a crash is
 * most likely to lose or repeat work: an effect is durable but the record that caused it is not yet
 * marked done. Inert unless `VIGIL_FAULT_POINT` names the point: then the process SIGKILLs itself
 * there (no shutdown hooks, no flush), the way the kernel's OOM killer or a node failure ends it.
 * Production never sets the variable; see docs/operations.md.
 */
export const FAULT_POINTS = [
  /** Detector: detections published to Kafka, the batch's offsets not yet committed. */
  'detector.after-publish',
  /** Detector: detections published and the batch's burst markers released, offsets not yet committed. */
  'detector.after-release',
  /** Alerter: the incident change and its notifications committed in PostgreSQL, not yet enqueued, the offset not committed. */
  'alerter.after-register-write',
  /** Alerter: Slack answered a new message, the delivery journal does not have it yet. */
  'alerter.after-slack-post',
] as const;

export type FaultPointName = (typeof FAULT_POINTS)[number];

interface Armed {
  point: FaultPointName;
  /** Crashes on this visit (1 = the first). */
  atVisit: number;
  visits: number;
}

let armed: Armed | null | undefined;

/**
 * Reads `VIGIL_FAULT_POINT` (one of `FAULT_POINTS`) and `VIGIL_FAULT_AFTER` (crash on the Nth visit of
 * the point, default 1). Throws on a name that is not a point, so a typo cannot make a fault run pass
 * without its fault. Called by `faultPoint` on first use; services call it at start to fail early.
 */
export function armFaultPoint(env: NodeJS.ProcessEnv = process.env): FaultPointName | null {
  const point = env.VIGIL_FAULT_POINT;
  if (!point) {
    armed = null;
    return null;
  }
  if (!(FAULT_POINTS as readonly string[]).includes(point)) {
    throw new Error(`VIGIL_FAULT_POINT=${point} is not a fault point (${FAULT_POINTS.join(', ')})`);
  }
  const atVisit = Number(env.VIGIL_FAULT_AFTER ?? '1');
  if (!Number.isInteger(atVisit) || atVisit < 1)
    throw new Error(`VIGIL_FAULT_AFTER=${env.VIGIL_FAULT_AFTER} is not a positive integer`);
  armed = { point: point as FaultPointName, atVisit, visits: 0 };
  return armed.point;
}

/** Marks a crash point; SIGKILLs the process here when the fault suite armed this point. */
export function faultPoint(name: FaultPointName): void {
  if (armed === undefined) armFaultPoint();
  if (!armed || armed.point !== name) return;
  armed.visits += 1;
  if (armed.visits < armed.atVisit) return;
  // Synchronous, so the line is out before the signal: the suite reads it to know the crash was this one.
  process.stderr.write(`VIGIL_FAULT_POINT ${name} reached (visit ${armed.visits}): SIGKILL\n`);
  process.kill(process.pid, 'SIGKILL');
}
