import { gunzipSync } from 'node:zlib';
import { parseJsonBody } from '../json-body';
import type { DecodedBody } from '../normalizer';

/** Largest body after inflating: Logpush's `max_upload_bytes` can be set to 5 MB (its minimum), uncompressed. */
export const MAX_INFLATED_BYTES = 16 * 1024 * 1024;

/** A line of an NDJSON batch that is not JSON: refused on its own, the other lines still count. */
export class UnparsableLine {
  constructor(
    readonly line: number,
    readonly message: string,
    readonly text: string,
  ) {}
}

function isGzip(raw: Buffer): boolean {
  return raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
}

/**
 * A Logpush HTTP delivery: a gzip file (Cloudflare compresses every batch; recognised by its magic bytes,
 * whatever `Content-Encoding` says) of newline-delimited JSON, one log record a line. Also accepted as
 * plain text, and as one JSON value (an array of records, or an Audit Logs API answer `{result: [...]}`)
 * so files and API pages can be replayed through the same path.
 */
export function decodeLogpushBody(raw: Buffer, maxInflatedBytes = MAX_INFLATED_BYTES): DecodedBody {
  let bytes = raw;
  if (isGzip(raw)) {
    try {
      bytes = gunzipSync(raw, { maxOutputLength: maxInflatedBytes });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
        return { ok: false, status: 413, code: 'body_too_large', message: `the body inflates to more than ${maxInflatedBytes} bytes` };
      }
      return { ok: false, status: 400, code: 'malformed_gzip', message: `the body starts as gzip but does not inflate: ${(error as Error).message}` };
    }
  }
  const text = bytes.toString('utf8');
  const trimmed = text.trimStart();
  if (trimmed === '') return { ok: true, value: [], text };
  // One JSON value (array, or an object that is not one NDJSON line among others).
  if (trimmed.startsWith('[') || !/\n\s*\S/.test(text.trim())) {
    const whole = parseJsonBody(text);
    if (whole.ok) return { ok: true, value: whole.value, text };
    if (trimmed.startsWith('[')) {
      const where = whole.line === undefined ? {} : { position: whole.position, line: whole.line, column: whole.column };
      return { ok: false, status: 400, code: 'malformed_json', message: `the body is not valid JSON: ${whole.message}`, details: where };
    }
  }
  const items: unknown[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      items.push(JSON.parse(line));
    } catch (error) {
      items.push(new UnparsableLine(index + 1, (error as Error).message, line.slice(0, 1000)));
    }
  });
  return { ok: true, value: { ndjson: items }, text };
}
