import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Bus } from '@vigil/bus';
import { systemClock, type Clock } from '@vigil/runtime';
import type { FieldError, TopicNames } from '@vigil/schema';
import { deadLetterUnparsable, ingestDelivery, type DeliveryContext } from '../ingest-delivery';
import { parseJsonBody } from '../json-body';
import { MAX_BATCH_ITEMS } from '../generic-normalizer';
import type { SourceDefinition, SourceFormat } from '../source-config';
import { deliverySource } from './delivery-source';

export interface ReplayOptions {
  /** A JSON array of the source's events, or JSON lines (one event per line). */
  path: string;
  source: SourceDefinition | { name: string; format: SourceFormat };
  bus: Bus;
  topics: TopicNames;
  /** Events per delivery. Default 500. */
  batchSize?: number;
  clock?: Clock;
}

export interface ReplayProblem {
  /** 1-based line of a JSON-lines file. */
  line?: number;
  /** 0-based position of the record in the file. */
  index: number;
  reason: string;
  errors: FieldError[];
}

export interface ReplaySummary {
  path: string;
  source: string;
  format: SourceFormat;
  layout: 'json-array' | 'json-lines';
  /** Records in the file (array elements, or non-blank lines). */
  records: number;
  /** Records that parsed as JSON. */
  parsed: number;
  /** Events written to the events topic. */
  accepted: number;
  /** Records written to the dead-letter topic (bad JSON lines and events that did not normalise). */
  deadLettered: number;
  problems: ReplayProblem[];
}

/** The file could not be read at all; nothing was written. */
export class ReplayReadError extends Error {
  override readonly name = 'ReplayReadError';
}

interface FileRecord {
  index: number;
  line?: number;
  value: unknown;
}

/**
 * How a batch of one format's events is delivered, so replayed events go through the same
 * `split` as live ones. Formats not listed are replayed one record per delivery, each record being
 * a body as the source would POST it.
 */
const BATCH_BODY: Partial<Record<SourceFormat, (items: unknown[]) => unknown>> = {
  generic: (items) => items,
  backup: (items) => items,
  'okta-event-hook': (items) => ({ data: { events: items } }),
  alertmanager: (items) => ({ version: '4', alerts: items }),
  // Both take a bare array of their records, one item per record.
  cloudtrail: (items) => items,
  github: (items) => items,
};

async function detectLayout(path: string): Promise<'json-array' | 'json-lines'> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new ReplayReadError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    const start = buffer.subarray(0, bytesRead).toString('utf8').trimStart();
    return start.startsWith('[') ? 'json-array' : 'json-lines';
  } finally {
    await handle.close();
  }
}

async function* arrayRecords(path: string): AsyncGenerator<FileRecord | { index: number; line: number; text: string; message: string }> {
  const text = await readFile(path, 'utf8');
  const parsed = parseJsonBody(text);
  if (!parsed.ok) {
    const where = parsed.line === undefined ? '' : ` at line ${parsed.line}, column ${parsed.column}`;
    throw new ReplayReadError(`${path} is not a valid JSON array${where}: ${parsed.message}`);
  }
  const items = parsed.value as unknown[];
  for (let index = 0; index < items.length; index++) yield { index, value: items[index] };
}

async function* lineRecords(path: string): AsyncGenerator<FileRecord | { index: number; line: number; text: string; message: string }> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let line = 0;
  let index = 0;
  for await (const text of lines) {
    line += 1;
    if (text.trim() === '') continue;
    const parsed = parseJsonBody(text);
    yield parsed.ok ? { index, line, value: parsed.value } : { index, line, text, message: parsed.message };
    index += 1;
  }
}

/**
 * Pushes a file of a source's events through the source's normaliser and onto the bus, exactly as
 * live deliveries go (`ingestDelivery`, in batches): valid events to the events topic, the rest to
 * the dead-letter topic with their reason. Event ids come from the source, so replaying a file
 * twice, or one that overlaps what was already ingested, is harmless downstream.
 * Rejects with `ReplayReadError` when the file cannot be read, and with the bus's error when the bus
 * fails part-way (what was written before stays written; run it again).
 */
export async function replayFile(options: ReplayOptions): Promise<ReplaySummary> {
  const { bus, topics, path } = options;
  const clock = options.clock ?? systemClock;
  const source = 'auth' in options.source ? options.source : deliverySource(options.source.name, options.source.format);
  const wrap = BATCH_BODY[source.format];
  const batchSize = wrap ? Math.min(Math.max(1, options.batchSize ?? 500), MAX_BATCH_ITEMS) : 1;
  const layout = await detectLayout(path);
  const summary: ReplaySummary = { path, source: source.name, format: source.format, layout, records: 0, parsed: 0, accepted: 0, deadLettered: 0, problems: [] };
  const context = (): DeliveryContext => ({ bus, topics, receivedAt: new Date(clock.now()).toISOString() });

  let batch: FileRecord[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const records = batch;
    batch = [];
    const outcome = await ingestDelivery(context(), source, wrap ? wrap(records.map((r) => r.value)) : records[0]?.value);
    const at = (record: FileRecord) => ({ index: record.index, ...(record.line !== undefined ? { line: record.line } : {}) });
    if (outcome.kind === 'processed') {
      summary.accepted += outcome.accepted;
      summary.deadLettered += outcome.rejected.length;
      for (const rejected of outcome.rejected) {
        // Batched formats map items 1:1 to records; a lone record may expand into several items.
        const record = wrap ? records[rejected.index] : records[0];
        if (record) summary.problems.push({ ...at(record), reason: rejected.reason, errors: rejected.errors });
      }
    } else if (outcome.kind === 'unreadable') {
      summary.deadLettered += records.length;
      for (const record of records) summary.problems.push({ ...at(record), reason: outcome.reason, errors: outcome.errors });
    }
  };

  for await (const record of layout === 'json-array' ? arrayRecords(path) : lineRecords(path)) {
    summary.records += 1;
    if ('text' in record) {
      const reason = `line ${record.line}: malformed JSON: ${record.message}`;
      await deadLetterUnparsable(context(), source.name, record.text, reason);
      summary.deadLettered += 1;
      summary.problems.push({ line: record.line, index: record.index, reason: `malformed JSON: ${record.message}`, errors: [] });
      continue;
    }
    summary.parsed += 1;
    batch.push(record);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  summary.problems.sort((a, b) => a.index - b.index);
  return summary;
}
