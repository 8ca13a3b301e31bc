/**
 * Groups work that arrives concurrently into one run. The detector stage uses it so that the batches
 * of every partition a member works at once (kafkajs hands them out together after each fetch) become
 * one detector run, one Redis round trip and one publish, instead of one each; the Kafka bus uses it
 * so that concurrent publishes (64 webhook deliveries in flight) become one produce request. Each
 * submitter's promise settles with the run that carried its items, so a batch resolves (and its
 * offsets commit) only once the run's effects are durable; if the run fails, every submission in it
 * fails with that run's error, and no other.
 *
 * A run starts once the oldest queued submission has waited `lingerMs` (unset: at the end of this
 * turn of the event loop), or at once when the queue holds a full run (`maxItems`, `maxRunBytes`),
 * provided fewer than `maxInFlight` runs are in flight; while runs are in flight, new submissions
 * gather for the next one (group commit). A run takes whole submissions in the order they came; one
 * larger than a run's limits runs alone. Items of one partition never meet in two runs at once,
 * because the bus never hands out two batches of one partition at once.
 *
 * Memory is bounded by `maxPendingBytes`: the bytes submitted and not yet settled (queued or in a
 * run). A submission that does not fit waits, in order, until earlier ones settle (back-pressure),
 * or until its `signal` aborts; an aborted submission that has not joined a run is dropped, so
 * nothing of it is ever run.
 */
export interface BatchCoalescerOptions<T> {
  /** Items in one run, counted by `countOf`. */
  maxItems: number;
  /** Runs in flight at once. */
  maxInFlight: number;
  /** How long the oldest queued submission waits for company before its run starts. Unset: to the end of this turn. */
  lingerMs?: number;
  /** How many items an item counts for (a publish counts its records). Default 1. */
  countOf?: (item: T) => number;
  /** Size of an item in bytes, for `maxRunBytes` and `maxPendingBytes`. Default 0. */
  bytesOf?: (item: T) => number;
  /** A run closes at this many bytes. Default: no limit. */
  maxRunBytes?: number;
  /** Bytes submitted and not yet settled beyond which submissions wait. Default: no limit. */
  maxPendingBytes?: number;
}

export interface SubmitOptions {
  /** Aborting drops the submission if it has not joined a run yet, and rejects it with the signal's reason. */
  signal?: AbortSignal;
}

interface Entry<T> {
  items: T[];
  count: number;
  bytes: number;
  state: 'waiting' | 'queued' | 'running';
  queuedAt: number;
  settle: Settle;
  detach?: () => void;
}

interface Settle {
  resolve(): void;
  reject(error: unknown): void;
}

export class BatchCoalescer<T> {
  private readonly waiting: Array<Entry<T>> = [];
  private readonly queued: Array<Entry<T>> = [];
  private queuedCount = 0;
  private queuedBytes = 0;
  private pendingBytes = 0;
  private inFlight = 0;
  private timer: { cancel(): void } | undefined;
  private flushing = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly run: (items: T[]) => Promise<void>,
    private readonly options: BatchCoalescerOptions<T>,
  ) {}

  /** Resolves when a run that carried `items` succeeded; rejects with that run's error (or the abort reason). */
  submit(items: T[], submitOptions: SubmitOptions = {}): Promise<void> {
    const { signal } = submitOptions;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const { countOf, bytesOf } = this.options;
      let count = items.length;
      let bytes = 0;
      if (countOf) count = items.reduce((sum, item) => sum + countOf(item), 0);
      if (bytesOf) bytes = items.reduce((sum, item) => sum + bytesOf(item), 0);
      const entry: Entry<T> = {
        items,
        count,
        bytes,
        state: 'waiting',
        queuedAt: 0,
        settle: { resolve, reject },
      };
      if (signal) {
        const onAbort = () => this.abort(entry, signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        entry.detach = () => signal.removeEventListener('abort', onAbort);
      }
      if (this.waiting.length === 0 && this.fits(entry)) this.admit(entry);
      else this.waiting.push(entry);
    });
  }

  /** Bytes admitted and not yet settled (queued or in a run), submissions waiting for room, runs in flight. */
  get pending(): { bytes: number; waiting: number; inFlight: number } {
    return { bytes: this.pendingBytes, waiting: this.waiting.length, inFlight: this.inFlight };
  }

  /**
   * Starts runs for everything queued or waiting without lingering, and resolves once nothing is
   * queued, waiting or in flight. Used at shutdown, after new submissions have stopped.
   */
  async flush(): Promise<void> {
    this.flushing += 1;
    try {
      this.schedule();
      while (this.queued.length > 0 || this.waiting.length > 0 || this.inFlight > 0) {
        await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      }
    } finally {
      this.flushing -= 1;
    }
  }

  private fits(entry: Entry<T>): boolean {
    const limit = this.options.maxPendingBytes ?? Number.POSITIVE_INFINITY;
    return this.pendingBytes === 0 || this.pendingBytes + entry.bytes <= limit;
  }

  private admit(entry: Entry<T>): void {
    entry.state = 'queued';
    entry.queuedAt = performance.now();
    this.pendingBytes += entry.bytes;
    this.queued.push(entry);
    this.queuedCount += entry.count;
    this.queuedBytes += entry.bytes;
    this.schedule();
  }

  private admitWaiting(): void {
    while (this.waiting.length > 0 && this.fits(this.waiting[0] as Entry<T>))
      this.admit(this.waiting.shift() as Entry<T>);
  }

  private abort(entry: Entry<T>, reason: unknown): void {
    if (entry.state === 'running') return;
    const list = entry.state === 'waiting' ? this.waiting : this.queued;
    const at = list.indexOf(entry);
    if (at < 0) return;
    list.splice(at, 1);
    if (entry.state === 'queued') {
      this.pendingBytes -= entry.bytes;
      this.queuedCount -= entry.count;
      this.queuedBytes -= entry.bytes;
    }
    entry.settle.reject(reason);
    this.admitWaiting();
    this.notifyIdle();
  }

  private fullRunQueued(): boolean {
    return (
      this.queuedCount >= this.options.maxItems ||
      this.queuedBytes >= (this.options.maxRunBytes ?? Number.POSITIVE_INFINITY)
    );
  }

  private schedule(): void {
    if (this.inFlight >= this.options.maxInFlight || this.queued.length === 0) return;
    if (this.flushing > 0 || this.fullRunQueued()) {
      this.startRun();
      return;
    }
    if (this.timer) return;
    const linger = this.options.lingerMs ?? 0;
    const waited = performance.now() - (this.queued[0] as Entry<T>).queuedAt;
    const fire = () => {
      this.timer = undefined;
      this.startRun();
    };
    if (linger <= 0 || waited >= linger) {
      // setImmediate, not a microtask: the other partitions' batches of the same fetch join this run.
      const handle = setImmediate(fire);
      this.timer = { cancel: () => clearImmediate(handle) };
    } else {
      const handle = setTimeout(fire, linger - waited);
      this.timer = { cancel: () => clearTimeout(handle) };
    }
  }

  private startRun(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.inFlight >= this.options.maxInFlight || this.queued.length === 0) return;
    const maxBytes = this.options.maxRunBytes ?? Number.POSITIVE_INFINITY;
    const taken: Array<Entry<T>> = [];
    let count = 0;
    let bytes = 0;
    while (this.queued.length > 0) {
      const next = this.queued[0] as Entry<T>;
      if (taken.length > 0 && (count + next.count > this.options.maxItems || bytes + next.bytes > maxBytes))
        break;
      this.queued.shift();
      next.state = 'running';
      next.detach?.();
      taken.push(next);
      count += next.count;
      bytes += next.bytes;
    }
    this.queuedCount -= count;
    this.queuedBytes -= bytes;
    this.inFlight += 1;
    const items = taken.length === 1 ? (taken[0] as Entry<T>).items : taken.flatMap((entry) => entry.items);
    let running: Promise<void>;
    try {
      running = this.run(items);
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      () => this.finish(taken, bytes, undefined),
      (error: unknown) => this.finish(taken, bytes, error ?? new Error('batch run failed')),
    );
    this.schedule();
  }

  private finish(taken: Array<Entry<T>>, bytes: number, error: unknown): void {
    this.inFlight -= 1;
    this.pendingBytes -= bytes;
    for (const { settle } of taken) {
      if (error === undefined) settle.resolve();
      else settle.reject(error);
    }
    this.admitWaiting();
    this.schedule();
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
