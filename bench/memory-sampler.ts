import { readFileSync } from 'node:fs';
import { leastSquaresSlope } from './slope';

export interface MemorySummary {
  samples: number;
  minutes: number;
  heapStartMb: number;
  heapEndMb: number;
  rssStartMb: number;
  rssEndMb: number;
  /** Least-squares slope of heap used over the second half of the run, MB per minute. */
  heapSlopeMbPerMin: number;
  /** The pipeline's own processes (when it runs as separate processes): their summed RSS. */
  pipelineRssStartMb?: number;
  pipelineRssEndMb?: number;
  /** Least-squares slope of the pipeline processes' summed RSS over the second half of the run, MB per minute. */
  pipelineRssSlopeMbPerMin?: number;
  /** Each pipeline process's RSS at the first and last sample, in the order `pipelinePids` named them. */
  pipelineProcessRssMb?: Array<{ startMb: number; endMb: number }>;
  /**
   * Each pipeline process's V8 heap used and memory outside the heap (Buffers), from its own `/metrics`
   * (`vigil_process_nodejs_heap_size_used_bytes`, `..._external_memory_bytes`), first and last reading.
   */
  pipelineProcessHeapMb?: Array<{
    heapStartMb: number;
    heapEndMb: number;
    externalStartMb: number;
    externalEndMb: number;
  }>;
  /**
   * Every sample of the pipeline's processes, so growth that levels off can be told from a leak: minutes
   * since the start, each process's RSS, and its V8 heap used when its `/metrics` answered near then.
   */
  pipelineSeries?: Array<{ minute: number; processRssMb: number[]; processHeapMb?: number[] }>;
  /** Least-squares slope of each pipeline process's RSS over the second half, MB per minute. */
  pipelineProcessRssSlopeMbPerMin?: number[];
}

interface HeapReading {
  t: number;
  heap: number[];
  external: number[];
}

/** Heap used and external memory (MB) from a process's Prometheus text; undefined when unreachable. */
async function readHeap(url: string): Promise<{ heap: number; external: number } | undefined> {
  try {
    const text = await (await fetch(url, { signal: AbortSignal.timeout(2_000) })).text();
    const value = (name: string) =>
      Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
    const heap = value('vigil_process_nodejs_heap_size_used_bytes');
    const external = value('vigil_process_nodejs_external_memory_bytes');
    return Number.isFinite(heap) && Number.isFinite(external)
      ? { heap: heap / 1048576, external: external / 1048576 }
      : undefined;
  } catch {
    return undefined;
  }
}

interface Sample {
  t: number;
  heap: number;
  rss: number;
  pipelineRss?: number;
  processRss?: number[];
}

/** Resident set size of a process from /proc (Linux), in MB; 0 once it has gone. */
function processRssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Least-squares slope (per minute) of `value` over the second half of the samples: the part after warm-up. */
function secondHalfSlope(samples: Sample[], value: (s: Sample) => number): number {
  const half = samples.slice(Math.floor(samples.length / 2));
  const t0 = half[0]?.t ?? 0;
  return leastSquaresSlope(
    half.map((s) => (s.t - t0) / 60_000),
    half.map(value),
  );
}

/**
 * Samples this process's heap and RSS (after a GC when `--expose-gc` is on) every `intervalMs`, and the summed
 * RSS of the pipeline's processes once `pipelinePids` names any other than this one.
 */
export function startMemorySampler(intervalMs: number): {
  stop(): MemorySummary;
  pipelinePids(pids: number[], metricsUrls?: string[]): void;
} {
  const samples: Sample[] = [];
  let pids: number[] = [];
  let metricsUrls: string[] = [];
  const heapReadings: HeapReading[] = [];
  const readHeaps = () => {
    if (metricsUrls.length === 0) return;
    void Promise.all(metricsUrls.map(readHeap)).then((readings) => {
      if (readings.every((r) => r !== undefined))
        heapReadings.push({ t: Date.now(), heap: readings.map((r) => r!.heap), external: readings.map((r) => r!.external) });
    });
  };
  const gc = (globalThis as { gc?: () => void }).gc;
  const take = () => {
    gc?.();
    const m = process.memoryUsage();
    const sample: Sample = { t: Date.now(), heap: m.heapUsed / 1048576, rss: m.rss / 1048576 };
    // A process that has gone (the run is stopping) reads 0: such a sample says nothing about growth.
    const rss = pids.map(processRssMb);
    if (rss.length > 0 && rss.every((mb) => mb > 0)) {
      sample.pipelineRss = rss.reduce((sum, mb) => sum + mb, 0);
      sample.processRss = rss;
    }
    samples.push(sample);
    readHeaps();
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    pipelinePids(given, urls = []) {
      pids = given.filter((pid) => pid !== process.pid);
      metricsUrls = urls;
      readHeaps();
    },
    stop() {
      clearInterval(timer);
      take();
      const first = samples[0];
      const last = samples.at(-1);
      const pipeline = samples.filter((s) => s.pipelineRss !== undefined);
      return {
        samples: samples.length,
        minutes: ((last?.t ?? 0) - (first?.t ?? 0)) / 60_000,
        heapStartMb: first?.heap ?? 0,
        heapEndMb: last?.heap ?? 0,
        rssStartMb: first?.rss ?? 0,
        rssEndMb: last?.rss ?? 0,
        heapSlopeMbPerMin: secondHalfSlope(samples, (s) => s.heap),
        ...(pipeline.length > 0
          ? {
              pipelineRssStartMb: pipeline[0]!.pipelineRss!,
              pipelineRssEndMb: pipeline.at(-1)!.pipelineRss!,
              pipelineRssSlopeMbPerMin: secondHalfSlope(pipeline, (s) => s.pipelineRss ?? 0),
              pipelineProcessRssMb: (pipeline[0]!.processRss ?? []).map((startMb, i) => ({
                startMb,
                endMb: pipeline.at(-1)!.processRss?.[i] ?? 0,
              })),
              pipelineProcessRssSlopeMbPerMin: (pipeline[0]!.processRss ?? []).map((_, i) =>
                secondHalfSlope(pipeline, (s) => s.processRss?.[i] ?? 0),
              ),
              pipelineSeries: pipeline.map((sample) => {
                const heap = heapReadings.find((r) => Math.abs(r.t - sample.t) < 5_000);
                return {
                  minute: Math.round(((sample.t - first!.t) / 60_000) * 100) / 100,
                  processRssMb: sample.processRss!.map((mb) => Math.round(mb)),
                  ...(heap
                    ? {
                        processHeapMb: heap.heap.map((mb) => Math.round(mb)),
                        processExternalMb: heap.external.map((mb) => Math.round(mb)),
                      }
                    : {}),
                };
              }),
            }
          : {}),
        ...(heapReadings.length > 0
          ? {
              pipelineProcessHeapMb: heapReadings[0]!.heap.map((heapStartMb, i) => ({
                heapStartMb,
                heapEndMb: heapReadings.at(-1)!.heap[i] ?? 0,
                externalStartMb: heapReadings[0]!.external[i] ?? 0,
                externalEndMb: heapReadings.at(-1)!.external[i] ?? 0,
              })),
            }
          : {}),
      };
    },
  };
}
