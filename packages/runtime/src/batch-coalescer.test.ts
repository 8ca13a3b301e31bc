import { describe, expect, it } from 'vitest';
import { BatchCoalescer } from './batch-coalescer';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('BatchCoalescer', () => {
  it('runs the batches submitted in one turn of the event loop as one run, in submission order', async () => {
    const runs: number[][] = [];
    const coalescer = new BatchCoalescer<number>(async (items) => void runs.push(items), {
      maxItems: 100,
      maxInFlight: 1,
    });
    await Promise.all([coalescer.submit([1, 2]), coalescer.submit([3]), coalescer.submit([4, 5])]);
    expect(runs).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('gathers what arrives while a run is in flight into the next run, and resolves each batch with its own run', async () => {
    const gates: Array<ReturnType<typeof deferred>> = [];
    const runs: number[][] = [];
    const coalescer = new BatchCoalescer<number>(
      (items) => {
        runs.push(items);
        const gate = deferred();
        gates.push(gate);
        return gate.promise;
      },
      { maxItems: 100, maxInFlight: 1 },
    );
    let firstDone = false;
    const first = coalescer.submit([1]).then(() => void (firstDone = true));
    await new Promise((r) => setImmediate(r));
    const second = coalescer.submit([2]);
    const third = coalescer.submit([3]);
    await new Promise((r) => setImmediate(r));
    expect(runs).toEqual([[1]]);
    gates[0]?.resolve();
    await first;
    expect(firstDone).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(runs).toEqual([[1], [2, 3]]);
    gates[1]?.resolve();
    await Promise.all([second, third]);
  });

  it('fails every batch of a failed run (each comes again) and keeps going with the next', async () => {
    let calls = 0;
    const coalescer = new BatchCoalescer<string>(
      async (items) => {
        calls += 1;
        if (items.includes('bad')) throw new Error('redis unavailable');
      },
      { maxItems: 100, maxInFlight: 2 },
    );
    const results = await Promise.allSettled([coalescer.submit(['a']), coalescer.submit(['bad'])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(coalescer.submit(['c'])).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });

  it('caps a run at maxItems (whole batches) and runs up to maxInFlight at once', async () => {
    const runs: number[][] = [];
    let inFlight = 0;
    let maxSeen = 0;
    const coalescer = new BatchCoalescer<number>(
      async (items) => {
        runs.push(items);
        inFlight += 1;
        maxSeen = Math.max(maxSeen, inFlight);
        await new Promise((r) => setTimeout(r, 10));
        inFlight -= 1;
      },
      { maxItems: 3, maxInFlight: 2 },
    );
    await Promise.all([
      coalescer.submit([1, 2]),
      coalescer.submit([3, 4]),
      coalescer.submit([5]),
      coalescer.submit([6, 7, 8, 9]),
    ]);
    expect(runs).toEqual([
      [1, 2],
      [3, 4, 5],
      [6, 7, 8, 9],
    ]);
    expect(maxSeen).toBe(2);
  });
});

describe('BatchCoalescer, lingering and bounded', () => {
  it('waits lingerMs for company, then runs what came meanwhile as one run', async () => {
    const runs: number[][] = [];
    const coalescer = new BatchCoalescer<number>(async (items) => void runs.push(items), {
      maxItems: 100,
      maxInFlight: 1,
      lingerMs: 30,
    });
    const first = coalescer.submit([1]);
    await new Promise((r) => setTimeout(r, 10));
    const second = coalescer.submit([2]);
    expect(runs).toEqual([]);
    await Promise.all([first, second]);
    expect(runs).toEqual([[1, 2]]);
  });

  it('does not linger once a full run (items or bytes) is queued', async () => {
    const runs: string[][] = [];
    const coalescer = new BatchCoalescer<string>(async (items) => void runs.push(items), {
      maxItems: 100,
      maxInFlight: 1,
      lingerMs: 60_000,
      bytesOf: (item) => item.length,
      maxRunBytes: 10,
    });
    await Promise.all([coalescer.submit(['aaaa']), coalescer.submit(['bbbbbb'])]);
    expect(runs).toEqual([['aaaa', 'bbbbbb']]);
    const byCount = new BatchCoalescer<string>(async (items) => void runs.push(items), {
      maxItems: 3,
      maxInFlight: 1,
      lingerMs: 60_000,
      countOf: (item) => item.length,
    });
    await byCount.submit(['xyz']);
    expect(runs).toEqual([['aaaa', 'bbbbbb'], ['xyz']]);
  });

  it('makes submissions past maxPendingBytes wait, in order, until earlier runs settle', async () => {
    const gates: Array<ReturnType<typeof deferred>> = [];
    const runs: string[][] = [];
    const coalescer = new BatchCoalescer<string>(
      (items) => {
        runs.push(items);
        const gate = deferred();
        gates.push(gate);
        return gate.promise;
      },
      { maxItems: 100, maxInFlight: 4, bytesOf: (item) => item.length, maxPendingBytes: 8 },
    );
    const a = coalescer.submit(['aaaaaa']);
    const b = coalescer.submit(['bbbbbb']);
    const c = coalescer.submit(['cc']);
    await new Promise((r) => setImmediate(r));
    // b does not fit beside a; c fits but must not overtake b.
    expect(runs).toEqual([['aaaaaa']]);
    expect(coalescer.pending).toEqual({ bytes: 6, waiting: 2, inFlight: 1 });
    gates[0]?.resolve();
    await a;
    await new Promise((r) => setImmediate(r));
    expect(runs).toEqual([['aaaaaa'], ['bbbbbb', 'cc']]);
    gates[1]?.resolve();
    await Promise.all([b, c]);
    expect(coalescer.pending).toEqual({ bytes: 0, waiting: 0, inFlight: 0 });
  });

  it('drops an aborted submission that has not joined a run: it is never run and rejects with the reason', async () => {
    const runs: string[][] = [];
    const coalescer = new BatchCoalescer<string>(async (items) => void runs.push(items), {
      maxItems: 100,
      maxInFlight: 1,
      lingerMs: 50,
    });
    const controller = new AbortController();
    const dropped = coalescer.submit(['dropped'], { signal: controller.signal });
    const kept = coalescer.submit(['kept']);
    controller.abort(new Error('too late'));
    await expect(dropped).rejects.toThrow('too late');
    await kept;
    expect(runs).toEqual([['kept']]);
  });

  it('flush runs what is queued without lingering and resolves once every run has settled', async () => {
    const runs: number[][] = [];
    const coalescer = new BatchCoalescer<number>(
      async (items) => {
        await new Promise((r) => setTimeout(r, 5));
        runs.push(items);
      },
      { maxItems: 2, maxInFlight: 1, lingerMs: 60_000 },
    );
    const settled: number[] = [];
    for (const n of [1, 2, 3]) void coalescer.submit([n]).then(() => settled.push(n));
    await coalescer.flush();
    expect(runs).toEqual([[1, 2], [3]]);
    await new Promise((r) => setImmediate(r));
    expect(settled).toEqual([1, 2, 3]);
  });
});
