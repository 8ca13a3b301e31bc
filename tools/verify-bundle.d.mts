// Types of tools/verify-bundle.mjs, the stand-alone verifier, for Vigil's own TypeScript that reuses it.
import type { KeyObject } from 'node:crypto';

export declare const BUNDLE_FORMAT: 'vigil-audit-bundle/2';
export declare const CHECKPOINT_FORMAT: 'vigil-checkpoint/1';
export declare const FILE_ENTRY_FORMAT: 'vigil-bundle-file/1';
export declare const GENESIS_HASH: string;
export declare const USAGE: string;

export interface SignedCheckpoint {
  format: 'vigil-checkpoint/1';
  seq: number;
  treeSize: number;
  root: string;
  at: string;
  previous: string | null;
  keyId: string;
  signature: string;
}

export interface CheckpointHistory {
  checkpoints: SignedCheckpoint[];
  consistency: Array<{ fromSeq: number; toSeq: number; proof: string[] }>;
}

export interface BundleProblem {
  file: string;
  problem: string;
}

export interface VerifiedBundle {
  ok: boolean;
  manifest: {
    format: string;
    generatedAt: string;
    period: { from: string; to: string };
    population: { incidents: number };
    files: Array<{ name: string; sha256: string; bytes: number; signature: string }>;
    [key: string]: unknown;
  };
  manifestSha256: string;
  problems: BundleProblem[];
  unlisted: string[];
  checkpoint: SignedCheckpoint;
  proofsChecked: number;
  /** evidence.jsonl lines checked against the timelines: payloads kept, purges on record. */
  evidence: { kept: number; purged: number };
  kept: Array<{ seq: number; consistent: boolean }>;
}

export declare function canonicalJson(value: unknown): string;
export declare function sha256Hex(content: string | Uint8Array): string;
export declare function signedBytes(object: object): Buffer;
export declare function keyId(publicKey: KeyObject): string;
export declare function verifySignature(object: unknown, publicKey: KeyObject): boolean;
export declare function checkpointHash(checkpoint: object): string;
export declare function timelineEntryHash(
  prevHash: string,
  entry: { incidentId: string; kind: string; actor: string; at: string; data: unknown },
): string;
export declare function leafHash(entryHashHex: string): string;
export declare function verifyInclusion(
  leafHex: string,
  index: number,
  size: number,
  proof: string[],
  root: string,
): boolean;
export declare function verifyConsistency(
  size1: number,
  size2: number,
  proof: string[],
  root1: string,
  root2: string,
): boolean;
export declare function checkHistory(history: unknown, publicKey: KeyObject): string[];
export declare class BundleUnreadableError extends Error {}
export declare function verifyBundle(
  dir: string,
  options: { publicKeyPem: string; kept?: unknown[] },
): Promise<VerifiedBundle>;
export declare function parseKept(text: string): unknown[];
export declare function main(
  argv: string[],
  out?: (line: string) => void,
  err?: (line: string) => void,
): Promise<number>;
