import type { Readable } from 'node:stream';

/** A body over the limit is read to its end (discarded) up to this many bytes, so the sender sees the 413. */
export const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  readonly statusCode = 413;
  readonly code = 'body_too_large';
  constructor(limit: number) {
    super(`the body is larger than ${limit} bytes`);
  }
}

/**
 * Reads a request body into one Buffer, at most `limit` bytes. A larger body is not kept but still
 * read to its end before the answer, because a server that answers and closes while the sender is
 * still writing gives it a broken pipe instead of a readable 413. Past `MAX_DRAIN_BYTES` the
 * connection is given up on.
 */
export function readBody(payload: Readable, limit: number, declaredLength: number): Promise<Buffer> {
  if (Number.isFinite(declaredLength) && declaredLength > MAX_DRAIN_BYTES) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let tooLarge = Number.isFinite(declaredLength) && declaredLength > limit;
    const finish = (error: Error | undefined, body?: Buffer) => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onError);
      payload.removeListener('aborted', onAborted);
      if (error) reject(error);
      else resolve(body as Buffer);
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += buffer.length;
      if (received > limit) tooLarge = true;
      if (tooLarge) {
        chunks.length = 0;
        if (received > MAX_DRAIN_BYTES) {
          payload.destroy();
          finish(new BodyTooLargeError(limit));
        }
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = () => {
      if (tooLarge) return finish(new BodyTooLargeError(limit));
      if (Number.isFinite(declaredLength) && received !== declaredLength) {
        return finish(Object.assign(new Error('the body is shorter than its Content-Length'), { statusCode: 400, code: 'invalid_content_length' }));
      }
      finish(undefined, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received));
    };
    const onError = (error: Error) => finish(Object.assign(error, { statusCode: 400, code: 'body_unreadable' }));
    const onAborted = () => finish(Object.assign(new Error('the request was aborted'), { statusCode: 400, code: 'body_unreadable' }));
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.on('aborted', onAborted);
    payload.resume();
  });
}
