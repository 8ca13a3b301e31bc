export interface MemorySummary {
  samples: number;
  minutes: number;
  heapStartMb: number;
  heapEndMb: number;
  rssStartMb: number;
  rssEndMb: number;
  /** Least-squares slope of heap used over the second half of the run, MB per minute. */
  heapSlopeMbPerMin: number;
}

/** Samples heap and RSS (after a GC when `--expose-gc` is on) every `intervalMs`. */
export function startMemorySampler(intervalMs: number): { stop(): MemorySummary } {
  const samples: Array<{ t: number; heap: number; rss: number }> = [];
  const gc = (globalThis as { gc?: () => void }).gc;
  const take = () => {
    gc?.();
    const m = process.memoryUsage();
    samples.push({ t: Date.now(), heap: m.heapUsed / 1048576, rss: m.rss / 1048576 });
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      const half = samples.slice(Math.floor(samples.length / 2));
      const t0 = half[0]?.t ?? 0;
      const xs = half.map((s) => (s.t - t0) / 60_000);
      const ys = half.map((s) => s.heap);
      const mx = xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
      const my = ys.reduce((a, b) => a + b, 0) / Math.max(ys.length, 1);
      let num = 0;
      let den = 0;
      xs.forEach((x, i) => {
        num += (x - mx) * ((ys[i] ?? 0) - my);
        den += (x - mx) ** 2;
      });
      const first = samples[0];
      const last = samples.at(-1);
      return {
        samples: samples.length,
        minutes: ((last?.t ?? 0) - (first?.t ?? 0)) / 60_000,
        heapStartMb: first?.heap ?? 0,
        heapEndMb: last?.heap ?? 0,
        rssStartMb: first?.rss ?? 0,
        rssEndMb: last?.rss ?? 0,
        heapSlopeMbPerMin: den === 0 ? 0 : num / den,
      };
    },
  };
}
