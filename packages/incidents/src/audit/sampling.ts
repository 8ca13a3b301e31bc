import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ValidationError } from '@vigil/runtime';

/**
 * How a sample is drawn, in words printed with every sample. Ranking by a hash of seed and number needs no
 * PRNG state: anyone can re-derive the sample with `sha256sum`, in any order, and an incident's place does
 * not depend on which other incidents are in the population.
 */
export const SAMPLE_METHOD =
  'Each incident of the population is ranked by the SHA-256 (hex, lowercase) of the UTF-8 text ' +
  '"<seed>:<register number>", e.g. "Q1-2026:17"; the sample is the incidents with the lowest hashes ' +
  '(ties, which SHA-256 makes practically impossible, by register number). ' +
  "Re-derive one rank with: printf '%s' '<seed>:<number>' | sha256sum";

export const SIZE_TABLE =
  'population of 5 or fewer: all; 6 to 50: 5; 51 to 250: 10 % rounded up; more than 250: 25';

export const SampleSeed = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[\x20-\x7e]+$/, 'must be printable ASCII');

export const SampleSize = z.coerce.number().int('must be a whole number').min(1).max(10_000);

/** The auditor's table: how many to test from a population of `count`. */
export function tableSampleSize(count: number): number {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`not a population size: ${count}`);
  if (count <= 5) return count;
  if (count <= 50) return 5;
  if (count <= 250) return Math.ceil(count / 10);
  return 25;
}

/** The rank key of one incident: hex SHA-256 of `<seed>:<seq>`. */
export function sampleRank(seed: string, seq: number): string {
  return createHash('sha256').update(`${seed}:${seq}`, 'utf8').digest('hex');
}

export interface SampleChoice {
  seed: string;
  method: string;
  populationCount: number;
  /** What was asked for, when a size was given. */
  requestedSize: number | null;
  /** `table` when the size came from the auditor's table; `requested` otherwise (capped at the population). */
  sizeRule: 'table' | 'requested';
  sizeTable: string;
  size: number;
  /** The selected incidents in register order, each with its rank (1 = lowest hash) and hash. */
  selected: Array<{ seq: number; rank: number; hash: string }>;
}

/** Draws a reproducible sample of `population` (anything with a register number). */
export function drawSample(
  population: ReadonlyArray<{ seq: number }>,
  seed: string,
  requestedSize?: number,
): SampleChoice {
  const parsedSeed = SampleSeed.safeParse(seed);
  if (!parsedSeed.success) {
    throw new ValidationError('invalid sample seed', [
      { path: 'seed', message: parsedSeed.error.issues[0]?.message ?? 'invalid' },
    ]);
  }
  if (requestedSize !== undefined && !SampleSize.safeParse(requestedSize).success) {
    throw new ValidationError('invalid sample size', [
      { path: 'size', message: 'must be a whole number from 1 to 10000' },
    ]);
  }
  const size =
    requestedSize === undefined
      ? tableSampleSize(population.length)
      : Math.min(requestedSize, population.length);
  const ranked = population
    .map((incident) => ({ seq: incident.seq, hash: sampleRank(seed, incident.seq) }))
    .sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : a.seq - b.seq))
    .map((entry, index) => ({ ...entry, rank: index + 1 }));
  return {
    seed,
    method: SAMPLE_METHOD,
    populationCount: population.length,
    requestedSize: requestedSize ?? null,
    sizeRule: requestedSize === undefined ? 'table' : 'requested',
    sizeTable: SIZE_TABLE,
    size,
    selected: ranked
      .slice(0, size)
      .sort((a, b) => a.seq - b.seq)
      .map(({ seq, rank, hash }) => ({ seq, rank, hash })),
  };
}
