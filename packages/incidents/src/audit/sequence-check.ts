import type { SequenceCheck } from './audit-types';

export interface SequenceFacts {
  incidents: number;
  highestPresent: number;
  lastIssued: number;
  /** Runs missing below the highest number present, as the gaps query returns them. */
  gaps: Array<{ first: number; last: number }>;
}

/**
 * Whether register numbers 1..lastIssued are all present. Numbers the counter handed out above the highest
 * present are missing too (incidents cut off the end); a counter behind the numbers present is a problem of
 * its own, since the next incident would then collide with one that exists.
 */
export function checkSequence(facts: SequenceFacts): SequenceCheck {
  const missing = [...facts.gaps];
  const problems: string[] = [];
  if (facts.lastIssued > facts.highestPresent) {
    missing.push({ first: facts.highestPresent + 1, last: facts.lastIssued });
  } else if (facts.lastIssued < facts.highestPresent) {
    problems.push(
      `the register counter's last number (${facts.lastIssued}) is below the highest number present (${facts.highestPresent})`,
    );
  }
  const missingCount = missing.reduce((sum, run) => sum + (run.last - run.first + 1), 0);
  return {
    incidents: facts.incidents,
    highestPresent: facts.highestPresent,
    lastIssued: facts.lastIssued,
    contiguous: missing.length === 0 && problems.length === 0,
    missing,
    missingCount,
    problems,
  };
}

/** `4, 7–9`: missing runs as people read them. */
export function describeMissing(missing: SequenceCheck['missing']): string {
  return missing
    .map((run) => (run.first === run.last ? `${run.first}` : `${run.first}–${run.last}`))
    .join(', ');
}
