import { Redis } from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { mixedEventJson } from './detector-bench';
import { startServiceProcess, type ServiceProcess } from './detector-process';
import { startLoadProducer, type LoadClient, type LoadProducer } from './load-producer';
import { machineCpuSeconds, processCpuSeconds } from './machine';
import { leastSquaresSlope } from './slope';

export interface RateStep {
  offered: number;
  /** Events the producer got onto the topic per second (it shares the cores with the detector). */
  produced: number;
  /** Events the detector group committed per second over the step. */
  consumed: number;
  lagStart: number;
  lagEnd: number;
  lagMax: number;
  /** Lag stayed bounded: it ended below 2 s of the offered rate, and over the second half it grew by at most 1 % of the rate a second. */
  bounded: boolean;
  /** How Redis grew over the step (keys and `used_memory`, per second): the state the detector leaves behind. */
  redisKeysPerSecond: number;
  redisBytesPerSecond: number;
  /**
   * What an event cost over the step, in CPU µs: Redis's (the whole server, user + system, INFO cpu) and
   * the consuming process's (/proc), over the events it committed. They hardly move with the load on the
   * other core, unlike the rates, and show where the state's work is done.
   */
  redisCpuMicrosPerEvent?: number;
  consumerCpuMicrosPerEvent?: number;
  /** Lua script calls (EVALSHA and EVAL) Redis ran per committed event. */
  redisScriptCallsPerEvent?: number;
  /** Detections the detector wrote per committed event (new incidents and updates to open ones). */
  detectionsPerEvent?: number;
  /**
   * Where the machine's CPU went over the step, per committed event: all of it (every core, /proc/stat),
   * the broker process's and this process's (the load generator and the lag polling). With the
   * consumer's and Redis's above, what is left is the rest of the machine. `machineBusyShare` is the
   * share of all cores' time that was busy: near 1, the step was bound by the machine's cores.
   */
  machineBusyShare?: number;
  machineCpuMicrosPerEvent?: number;
  brokerCpuMicrosPerEvent?: number;
  loadCpuMicrosPerEvent?: number;
}

/** Records written to a topic so far (end offsets summed over partitions); 0 before it exists. */
async function topicRecords(admin: Admin, topic: string): Promise<number> {
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  } catch {
    return 0;
  }
}

/** Redis's key count, memory in use, CPU seconds and script calls so far, for what a step costs it. */
async function redisSize(redis: Redis): Promise<{ keys: number; bytes: number; cpuSeconds: number; scriptCalls: number }> {
  const [keys, memory, cpu, commands] = await Promise.all([redis.dbsize(), redis.info('memory'), redis.info('cpu'), redis.info('commandstats')]);
  const field = (text: string, name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(text)?.[1] ?? 0);
  const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(commands)?.[1] ?? 0);
  return {
    keys,
    bytes: field(memory, 'used_memory'),
    cpuSeconds: field(cpu, 'used_cpu_user') + field(cpu, 'used_cpu_sys'),
    scriptCalls: calls('evalsha') + calls('eval'),
  };
}

export interface SustainedFigures {
  partitions: number;
  steps: RateStep[];
  /** Highest offered rate whose step stayed bounded (0 if none did). */
  sustainedEventsPerSecond: number;
  /** Highest consumption rate of any step, bounded or not: what it managed while falling behind. */
  peakConsumedPerSecond: number;
}

/** Total lag of a group on a topic: end offsets minus committed offsets, summed over partitions. */
export async function groupLag(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<{ lag: number; committed: number }> {
  const [ends, [committed]] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId, topics: [topic] }),
  ]);
  let lag = 0;
  let done = 0;
  for (const end of ends) {
    const c = committed?.partitions.find((p) => p.partition === end.partition);
    const at = c && Number(c.offset) >= 0 ? Number(c.offset) : Number(end.low);
    lag += Number(end.high) - at;
    done += at;
  }
  return { lag, committed: done };
}

interface CpuNow {
  consumer: number | undefined;
  broker: number | undefined;
  load: number;
  machine: { busy: number; total: number } | undefined;
}

/** CPU seconds so far: the consuming process's, the broker's, this process's and the whole machine's. */
function cpuNow(consumerPid: number | undefined, brokerPid: number | undefined): CpuNow {
  const own = process.cpuUsage();
  return {
    consumer: processCpuSeconds(consumerPid),
    broker: processCpuSeconds(brokerPid),
    load: (own.user + own.system) / 1e6,
    machine: machineCpuSeconds(),
  };
}

/** Offers `rate` events/s (a batch every 20 ms, acks all) until `stop` resolves; returns how many went out. */
export function offerLoad(
  producer: LoadProducer,
  topic: string,
  rate: number,
  runId: string,
  startIndex: { i: number },
) {
  let stopped = false;
  let sent = 0;
  const baseMs = Date.now();
  const perTick = Math.max(1, Math.round(rate / 50));
  const done = (async () => {
    const started = performance.now();
    let ticks = 0;
    const inFlight = new Set<Promise<unknown>>();
    while (!stopped) {
      ticks += 1;
      const messages = Array.from({ length: perTick }, () => {
        const i = startIndex.i++;
        return mixedEventJson(i, runId, baseMs - i * 2 + (performance.now() - started));
      });
      const p = producer.send(topic, messages).then(() => void (sent += messages.length));
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      if (inFlight.size >= 8) await Promise.race(inFlight);
      const wait = started + ticks * 20 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(inFlight);
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      return sent;
    },
  };
}

/**
 * The detector as users run it: its own process (services/detector), the full catalog, reading the
 * events topic with the production partition count while this process offers a steady rate. Each
 * step offers a rate for `seconds`; the sustainable rate is the highest at which the group's lag
 * stayed bounded. Stops at the first unbounded step.
 */
export async function measureSustainedDetector(options: {
  brokers: string[];
  redisUrl: string;
  prefix: string;
  rates: number[];
  seconds: number;
  cpuProfileDir?: string;
  env?: NodeJS.ProcessEnv;
  onStep?: (step: RateStep) => void;
  /** `raw-consumer`: the same live stream read by bare kafkajs (JSON.parse only), the baseline. */
  consumer?: 'detector' | 'raw-consumer';
  /** The broker's process when this machine runs it (the kcat mock cluster), for its CPU per event. */
  brokerPid?: number;
  /** The load generator's Kafka client (default platformatic, the lighter one on the shared cores). */
  loadClient?: LoadClient;
}): Promise<SustainedFigures> {
  const topic = `${options.prefix}vigil.events`;
  const detectionsTopic = `${options.prefix}vigil.detections`;
  const groupId = `${options.prefix}${options.consumer ?? 'detector'}`;
  const runId = `s${Date.now()}`;
  const kafka = new Kafka({
    clientId: 'vigil-bench-load',
    brokers: options.brokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  const [producer] = await Promise.all([
    startLoadProducer(options.brokers, options.loadClient ?? 'platformatic'),
    admin.connect(),
    redis.connect(),
  ]);
  const partitions = (await admin.fetchTopicOffsets(topic)).length;
  const index = { i: 0 };
  await producer.send(topic, [mixedEventJson(index.i++, runId, Date.now())]);

  const detector: ServiceProcess = startServiceProcess(
    options.consumer ?? 'detector',
    {
      KAFKA_BROKERS: options.brokers.join(','),
      TOPIC_PREFIX: options.prefix,
      REDIS_URL: options.redisUrl,
      DETECTOR_GROUP: groupId,
      DETECTOR_KEY_PREFIX: `${options.prefix}det:`,
      DETECTOR_ADMIN_PORT: '0',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    { cpuProfileDir: options.cpuProfileDir },
  );
  const steps: RateStep[] = [];
  try {
    // Joined and caught up with the first event.
    for (let t = Date.now() + 60_000; (await groupLag(admin, groupId, topic)).lag > 0;) {
      if (Date.now() > t) throw new Error('the detector did not consume its first event within 60 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const rate of options.rates) {
      const [start, sizeBefore, detectionsBefore] = await Promise.all([groupLag(admin, groupId, topic), redisSize(redis), topicRecords(admin, detectionsTopic)]);
      const cpuBefore = cpuNow(detector.child.pid, options.brokerPid);
      const startedAt = performance.now();
      const load = offerLoad(producer, topic, rate, runId, index);
      const samples: number[] = [];
      while (performance.now() - startedAt < options.seconds * 1000) {
        await new Promise((r) => setTimeout(r, 1000));
        samples.push((await groupLag(admin, groupId, topic)).lag);
      }
      const sent = await load.stop();
      const seconds = (performance.now() - startedAt) / 1000;
      const [end, sizeAfter, detectionsAfter] = await Promise.all([groupLag(admin, groupId, topic), redisSize(redis), topicRecords(admin, detectionsTopic)]);
      const cpuAfter = cpuNow(detector.child.pid, options.brokerPid);
      const events = end.committed - start.committed;
      const perEvent = (delta: number) => (events > 0 ? delta / events : undefined);
      const half = samples.slice(Math.floor(samples.length / 2));
      const lagMax = Math.max(...samples, end.lag);
      // Rising: over the step's second half the lag grew by more than 1 % of the offered rate (a
      // least-squares trend of the per-second samples, so one spike at either end does not decide).
      const rising = half.length > 2 && leastSquaresSlope(half.map((_, i) => i), half) > rate * 0.01;
      const step: RateStep = {
        offered: rate,
        produced: sent / seconds,
        consumed: (end.committed - start.committed) / seconds,
        lagStart: start.lag,
        lagEnd: end.lag,
        lagMax,
        bounded: end.lag <= Math.max(rate * 2, 1000) && !rising,
        redisKeysPerSecond: (sizeAfter.keys - sizeBefore.keys) / seconds,
        redisBytesPerSecond: (sizeAfter.bytes - sizeBefore.bytes) / seconds,
      };
      const redisCpu = perEvent((sizeAfter.cpuSeconds - sizeBefore.cpuSeconds) * 1e6);
      const spent = (pick: (cpu: CpuNow) => number | undefined) => {
        const before = pick(cpuBefore);
        const after = pick(cpuAfter);
        return before === undefined || after === undefined ? undefined : perEvent((after - before) * 1e6);
      };
      const consumerCpu = spent((cpu) => cpu.consumer);
      const machineCpu = spent((cpu) => cpu.machine?.busy);
      const machineTotal = spent((cpu) => cpu.machine?.total);
      const brokerCpu = spent((cpu) => cpu.broker);
      const loadCpu = spent((cpu) => cpu.load);
      if (machineCpu !== undefined) step.machineCpuMicrosPerEvent = machineCpu;
      if (machineCpu !== undefined && machineTotal) step.machineBusyShare = machineCpu / machineTotal;
      if (brokerCpu !== undefined) step.brokerCpuMicrosPerEvent = brokerCpu;
      if (loadCpu !== undefined) step.loadCpuMicrosPerEvent = loadCpu;
      const scriptCalls = perEvent(sizeAfter.scriptCalls - sizeBefore.scriptCalls);
      if (redisCpu !== undefined) step.redisCpuMicrosPerEvent = redisCpu;
      if (consumerCpu !== undefined) step.consumerCpuMicrosPerEvent = consumerCpu;
      if (scriptCalls !== undefined) step.redisScriptCallsPerEvent = scriptCalls;
      const detections = perEvent(detectionsAfter - detectionsBefore);
      if (detections !== undefined) step.detectionsPerEvent = detections;
      steps.push(step);
      options.onStep?.(step);
      if (!step.bounded) break;
      // Let it drain before the next step.
      for (let t = Date.now() + 30_000; Date.now() < t && (await groupLag(admin, groupId, topic)).lag > 0;)
        await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await detector.stop();
    redis.disconnect();
    await Promise.all([producer.close(), admin.disconnect()]);
  }
  const sustained = steps.filter((s) => s.bounded).map((s) => s.offered);
  return {
    partitions,
    steps,
    sustainedEventsPerSecond: Math.max(0, ...sustained),
    peakConsumedPerSecond: Math.max(0, ...steps.map((s) => s.consumed)),
  };
}
