export interface StoredRecord {
  offset: number;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
  timestamp: number;
}

/** The records of one partition still held in memory: offsets `startOffset` to `endOffset - 1`. */
export class PartitionLog {
  private records: StoredRecord[] = [];
  private start = 0;

  get startOffset(): number {
    return this.start;
  }

  /** The offset the next record will get. */
  get endOffset(): number {
    return this.start + this.records.length;
  }

  get size(): number {
    return this.records.length;
  }

  append(record: Omit<StoredRecord, 'offset'>): number {
    const offset = this.endOffset;
    this.records.push({ ...record, offset });
    return offset;
  }

  /** Records from `from` (inclusive) to `to` (exclusive), clipped to what is still held. */
  read(from: number, to: number): StoredRecord[] {
    const begin = Math.max(from, this.start) - this.start;
    const end = Math.min(to, this.endOffset) - this.start;
    return end > begin ? this.records.slice(begin, end) : [];
  }

  /** Forgets every record below `offset`; returns how many went. */
  dropBefore(offset: number): number {
    const count = Math.min(Math.max(offset - this.start, 0), this.records.length);
    if (count > 0) {
      this.records = this.records.slice(count);
      this.start += count;
    }
    return count;
  }
}
