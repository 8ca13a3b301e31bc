import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';

/**
 * The project patches kafkajs (patches/kafkajs@2.2.4.patch) for speed: its encoder allocates without
 * zero-filling, and its CRC32-C takes eight bytes a step. A produced record batch must stay what the
 * broker checks it against, byte for byte.
 */
const require = createRequire(import.meta.url);
const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C') as (buffer: Buffer) => number;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (options: {
    records: unknown[];
    firstTimestamp: number;
    maxTimestamp: number;
  }) => Promise<{ buffer: Buffer }>;
};
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: {
  offsetDelta: number;
  key: Buffer;
  value: Buffer;
  headers: Record<string, string>;
}) => unknown;

/** CRC32-C one byte a step, from its definition (reflected polynomial 0x82f63b78). */
function referenceCrc32C(buffer: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of buffer) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

async function batchOf(values: string[]): Promise<Buffer> {
  const records = values.map((value, offsetDelta) =>
    Record({
      offsetDelta,
      key: Buffer.from(`k${offsetDelta}`),
      value: Buffer.from(value),
      headers: { traceparent: 't' },
    }),
  );
  return (await RecordBatch({ records, firstTimestamp: 1_700_000_000_000, maxTimestamp: 1_700_000_000_000 }))
    .buffer;
}

describe('the patched kafkajs', () => {
  test('CRC32-C is the Castagnoli checksum for every length', () => {
    expect(crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
    for (let length = 0; length < 600; length++) {
      const bytes = randomBytes(length);
      expect(crc32C(bytes)).toBe(referenceCrc32C(bytes));
    }
  });

  test('a record batch is the same bytes whatever was in memory before, and carries the CRC of its body', async () => {
    const values = Array.from({ length: 40 }, (_, i) =>
      JSON.stringify({ id: `e${i}`, pad: 'é'.repeat(i * 37) }),
    );
    // Dirty the allocation pool and large allocations, then clean them: unwritten bytes would differ.
    for (let i = 0; i < 64; i++) Buffer.allocUnsafe(4096).fill(0xff);
    const dirty = await batchOf(values);
    for (let i = 0; i < 64; i++) Buffer.allocUnsafe(4096).fill(0x00);
    const clean = await batchOf(values);
    expect(dirty.equals(clean)).toBe(true);
    // Layout: FirstOffset int64, Length int32, PartitionLeaderEpoch int32, Magic int8, CRC uint32, body.
    expect(dirty.readUInt32BE(17)).toBe(referenceCrc32C(dirty.subarray(21)));
    expect(dirty.readInt32BE(8)).toBe(dirty.length - 12);
  });
});
