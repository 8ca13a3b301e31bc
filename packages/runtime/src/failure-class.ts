/**
 * Whether a failure belongs to the record or to the world. A `poison` failure comes back every time
 * the same record is tried (bad data, a script error on its content, a constraint it violates): the
 * record is set aside after a few attempts. A `transient` failure is a dependency that is down or
 * busy (Redis, PostgreSQL, Kafka unreachable, a deadlock, a failover): nothing is skipped, the work
 * is retried until it goes through.
 *
 * Decided by what the error is, walking its `cause` chain; the innermost error that says something
 * specific wins, so a `RetryableError` wrapping a Lua script error is poison, and one wrapping a
 * refused connection is transient. An error nobody recognises is poison: the stage retries it a
 * bounded number of times first, and a dependency outage shows itself through the errors above.
 */
export type FailureClass = 'transient' | 'poison';

/**
 * PostgreSQL SQLSTATE classes caused by the data of the statement: data exception (22), integrity
 * constraint violation (23), cardinality (21), program limit exceeded (54, e.g. an index row too large).
 * Every other class (connection 08, rollback 40, resources 53, operator intervention 57, system 58,
 * internal XX, and schema or permission problems such as 42 / 28 / 3D, which no record causes) is transient.
 */
const PG_POISON_CLASSES = new Set(['21', '22', '23', '54']);

/** Redis reply prefixes that say "not now" rather than "not this". */
const REDIS_TRANSIENT_REPLIES = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|OOM|MOVED|ASK|NOAUTH|NOPERM|MISCONF)\b/;

/** Node socket errors: the other side is not there (yet). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ESOCKETTIMEDOUT',
]);

/** Messages of driver errors that carry no code: ioredis and pg when the connection is gone. */
const CONNECTION_MESSAGES =
  /Connection is closed|Stream isn't writeable|Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly|Client was closed and is not queryable|Cannot use a pool after calling end|connect ECONNREFUSED|read ECONNRESET/i;

interface ErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  severity?: unknown;
  retriable?: unknown;
  cause?: unknown;
}

/** What one error in the chain says by itself, if anything specific. */
function ownClass(error: ErrorShape): FailureClass | undefined {
  const name = typeof error.name === 'string' ? error.name : '';
  const message = typeof error.message === 'string' ? error.message : '';
  const code = typeof error.code === 'string' ? error.code : undefined;

  // PostgreSQL: a five-character SQLSTATE on a server error (node-postgres sets `severity` on those).
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code) && (error.severity !== undefined || name === 'DatabaseError')) {
    return PG_POISON_CLASSES.has(code.slice(0, 2)) ? 'poison' : 'transient';
  }
  if (code !== undefined && NETWORK_CODES.has(code)) return 'transient';
  if (name === 'MaxRetriesPerRequestError' || name === 'BusUnavailableError') return 'transient';
  if (name === 'ReplyError') return REDIS_TRANSIENT_REPLIES.test(message) ? 'transient' : 'poison';
  if (CONNECTION_MESSAGES.test(message)) return 'transient';
  if (name.startsWith('KafkaJS')) return error.retriable === false ? 'poison' : 'transient';
  if (name === 'ZodError' || name === 'ValidationError' || name === 'NonRetryableError') return 'poison';
  return undefined;
}

/** What the error chain says specifically, or undefined when nothing in it is recognised. */
export function knownFailureClass(error: unknown): FailureClass | undefined {
  let specific: FailureClass | undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 10 && typeof current === 'object' && current !== null; depth++) {
    const shape = current as ErrorShape;
    specific = ownClass(shape) ?? specific;
    if (shape.cause === current) break;
    current = shape.cause;
  }
  return specific;
}

/** The SQLSTATE of a PostgreSQL server error anywhere in the chain. */
export function sqlState(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 10 && typeof current === 'object' && current !== null; depth++) {
    const { code, severity, cause } = current as ErrorShape;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && severity !== undefined) return code;
    if (cause === current) break;
    current = cause;
  }
  return undefined;
}

export function classifyFailure(error: unknown): FailureClass {
  let wrapperSays: FailureClass | undefined;
  let specific: FailureClass | undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 10 && typeof current === 'object' && current !== null; depth++) {
    const shape = current as ErrorShape;
    const own = ownClass(shape);
    if (own !== undefined) specific = own;
    else if (wrapperSays === undefined && shape.name === 'RetryableError') wrapperSays = 'transient';
    if (shape.cause === current) break;
    current = shape.cause;
  }
  return specific ?? wrapperSays ?? 'poison';
}

/** The parts of an error a dead letter keeps: its class, message and driver code. */
export function describeFailure(error: unknown): { name: string; message: string; code?: string } {
  if (!(error instanceof Error)) return { name: typeof error, message: String(error) };
  const code = (error as { code?: unknown }).code;
  const root = innermost(error);
  const message = root === error ? error.message : `${error.message} (caused by ${root.name}: ${root.message})`;
  return { name: error.name, message, ...(typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : innermostCode(error)) };
}

function innermost(error: Error): Error {
  let current = error;
  for (let depth = 0; depth < 10 && current.cause instanceof Error && current.cause !== current; depth++) current = current.cause;
  return current;
}

function innermostCode(error: Error): { code?: string } {
  const code = (innermost(error) as { code?: unknown }).code;
  return typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : {};
}
