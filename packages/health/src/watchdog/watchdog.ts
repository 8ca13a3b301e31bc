import { errorMessage, type Clock } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';
import type { VigilMetrics } from '../metrics';
import { FaultTracker } from './fault-tracker';
import { readGroupLag, stalledPartitions, type PartitionLag } from './group-lag';
import { PIPELINE_RULES, pipelineDetection, type PipelineFinding, type PipelineRule } from './pipeline-rules';
import type { NotificationQueueCounts, OffsetsReader, PipelineIncidentWriter } from './watchdog-sources';

export interface WatchedGroup {
  groupId: string;
  topic: string;
}

/** Thresholds of the pipeline rules; docs/operations.md gives the defaults and their reasons. */
export interface WatchdogThresholds {
  intervalMs: number;
  /** Records behind, summed over a group's partitions. */
  lagThreshold: number;
  /** How long the lag must stay above the threshold. */
  lagForMs: number;
  /** How long a partition may have lag without its committed offset moving. */
  stallForMs: number;
  deadLettersPerMinute: number;
  /** The window the dead-letter rate is measured over. */
  deadLetterWindowMs: number;
  /** Notifications waiting, delayed or in flight. */
  notificationBacklog: number;
  notificationBacklogForMs: number;
  /** How long a fault must be gone before its incident is resolved. */
  resolveAfterMs: number;
  /** New pipeline incidents per hour, all rules together; more are counted, not raised. */
  maxIncidentsPerHour: number;
}

export interface WatchdogOptions<N> {
  writer: PipelineIncidentWriter<N>;
  metrics: VigilMetrics;
  logger: Logger;
  clock: Clock;
  thresholds: WatchdogThresholds;
  /** Kafka's offsets; absent on the embedded bus (nothing to read). */
  offsets?: OffsetsReader;
  groups: WatchedGroup[];
  deadLetterTopics: string[];
  notifications?: { name: string; queue: NotificationQueueCounts };
  /**
   * The state epoch the detector keeps in Redis (`StateEpoch` in @vigil/runtime), and the group whose
   * committed offsets prove that state existed before.
   */
  stateEpoch?: { redis: { get(key: string): Promise<string | null> }; key: string; detectorGroup: WatchedGroup };
  /** Live pipeline incidents from before this process started, so their faults can still resolve. */
  openIncidents?: () => Promise<Array<{ dedupKey: string; firstEventAt: string }>>;
}

const PLACEHOLDER_EVIDENCE = { eventId: 'watchdog', topic: 'watchdog', partition: 0, offset: '0' };

/**
 * Vigil watching itself. On a timer, reads Kafka's admin offsets, the notification queue and the
 * Redis state epoch — never the pipeline's own partitions — and writes `pipeline.*` incidents
 * straight into the register, one per fault, resolved once healthy again.
 */
export class PipelineWatchdog<N = unknown> {
  private readonly tracker: FaultTracker;
  private readonly findings = new Map<string, PipelineFinding>();
  /** Transitions this round's samples asked for; an unwritten one is asked for again next round. */
  private readonly wanted = new Map<string, 'raise' | 'resolve'>();
  /** Faults that happen once (state lost, records skipped): raised, never resolved by the watchdog. */
  private readonly oneShots = new Map<string, { finding: PipelineFinding; startedAt: number }>();
  private readonly raisedOneShots = new Set<string>();
  private readonly previousLag = new Map<string, PartitionLag[]>();
  private readonly stalledSince = new Map<string, number>();
  private readonly deadLetterSamples = new Map<string, Array<{ at: number; total: number }>>();
  private epochSeen: string | undefined;
  private epochLossReported = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly options: WatchdogOptions<N>) {
    this.tracker = new FaultTracker({
      resolveAfterMs: options.thresholds.resolveAfterMs,
      maxRaisesPerHour: options.thresholds.maxIncidentsPerHour,
    });
    this.log = options.logger.child({ component: 'watchdog' });
  }

  async start(): Promise<void> {
    await this.adoptOpenIncidents();
    this.schedule(0);
  }

  /** Idempotent: lets a tick in flight finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One round of every check; tests call it directly. */
  async tick(): Promise<void> {
    const now = this.options.clock.now();
    await this.guard('kafka', () => this.checkGroups(now));
    await this.guard('dead-letters', () => this.checkDeadLetters(now));
    await this.guard('notifications', () => this.checkNotifications(now));
    await this.guard('state-epoch', () => this.checkStateEpoch());
    await this.applyTransitions(now);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => this.schedule(this.options.thresholds.intervalMs));
    }, delayMs);
  }

  private async guard(check: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.options.metrics.watchdogCheckFailed(check);
      this.log.warn({ check, err: errorMessage(error) }, 'watchdog check could not read its dependency');
    }
  }

  private async checkGroups(now: number): Promise<void> {
    const { offsets, groups, thresholds, metrics } = this.options;
    if (!offsets) return;
    for (const group of groups) {
      const lag = await readGroupLag(offsets, group.groupId, group.topic);
      const name = `${group.groupId}/${group.topic}`;
      let total = 0;
      for (const partition of lag) {
        metrics.consumerLag(group.groupId, group.topic, partition.partition, partition.lag);
        total += partition.lag;
        if (partition.skipped) this.recordSkip(group, partition);
      }
      this.observe(
        PIPELINE_RULES.consumerLag,
        name,
        total > thresholds.lagThreshold,
        now,
        thresholds.lagForMs,
        () => ({
          summary: `consumer group ${group.groupId} is ${total} records behind on ${group.topic} (threshold ${thresholds.lagThreshold})`,
          evidence: evidenceOf(group, lag.reduce((worst, p) => (p.lag > worst.lag ? p : worst), lag[0]!)),
          attributes: { group: group.groupId, topic: group.topic, lag: total, threshold: thresholds.lagThreshold },
        }),
      );
      const stalled = stalledPartitions(this.previousLag.get(name), lag);
      this.previousLag.set(name, lag);
      const longStalled: PartitionLag[] = [];
      for (const partition of lag) {
        const id = `${name}/${partition.partition}`;
        if (!stalled.includes(partition)) this.stalledSince.delete(id);
        else {
          const since = this.stalledSince.get(id) ?? now;
          this.stalledSince.set(id, since);
          if (now - since >= thresholds.stallForMs) longStalled.push(partition);
        }
      }
      this.observe(PIPELINE_RULES.partitionStalled, name, longStalled.length > 0, now, 0, () => ({
        summary:
          `consumer group ${group.groupId} made no progress on ${group.topic} partition(s) ` +
          `${longStalled.map((p) => `${p.partition} (committed ${p.committed}, ${p.lag} behind)`).join(', ')} ` +
          `for ${Math.round(thresholds.stallForMs / 1000)} s or more`,
        evidence: evidenceOf(group, longStalled[0]!),
        attributes: { group: group.groupId, topic: group.topic, partitions: longStalled.map((p) => p.partition).join(',') },
      }));
    }
  }

  private recordSkip(group: WatchedGroup, partition: PartitionLag): void {
    const key = `${group.groupId}/${group.topic}/${partition.partition}@${partition.committed}`;
    const id = `${PIPELINE_RULES.offsetReset.id}:${key}`;
    if (this.raisedOneShots.has(id) || this.oneShots.has(id)) return;
    const skipped = BigInt(partition.low) - BigInt(partition.committed);
    this.options.metrics.recordsSkipped(group.groupId, group.topic, partition.partition, Number(skipped));
    this.oneShots.set(id, {
      startedAt: this.options.clock.now(),
      finding: {
        rule: PIPELINE_RULES.offsetReset,
        key,
        summary:
          `consumer group ${group.groupId} committed offset ${partition.committed} on ${group.topic} partition ${partition.partition}, ` +
          `but the log now starts at ${partition.low}: records [${partition.committed}, ${partition.low}) (${skipped}) ` +
          `were deleted before the group read them and will be skipped`,
        evidence: evidenceOf(group, partition),
        attributes: {
          group: group.groupId,
          topic: group.topic,
          partition: partition.partition,
          skippedFrom: partition.committed,
          skippedTo: partition.low,
          skippedRecords: Number(skipped),
        },
      },
    });
  }

  private async checkDeadLetters(now: number): Promise<void> {
    const { offsets, thresholds, metrics } = this.options;
    if (!offsets) return;
    for (const topic of this.options.deadLetterTopics) {
      const watermarks = await offsets.topicOffsets(topic);
      const total = watermarks.reduce((sum, p) => sum + Number(p.high), 0);
      const samples = (this.deadLetterSamples.get(topic) ?? []).filter((s) => s.at >= now - thresholds.deadLetterWindowMs);
      samples.push({ at: now, total });
      this.deadLetterSamples.set(topic, samples);
      const first = samples[0]!;
      const minutes = (now - first.at) / 60_000;
      const rate = minutes > 0 ? (total - first.total) / minutes : 0;
      metrics.deadLettersPerMinute(topic, rate);
      this.observe(PIPELINE_RULES.deadLetterRate, topic, rate > thresholds.deadLettersPerMinute, now, 0, () => ({
        summary: `${Math.round(rate)} dead letters a minute on ${topic} over the last ${Math.round(minutes * 60)} s (threshold ${thresholds.deadLettersPerMinute})`,
        evidence: { eventId: `watchdog:${topic}@${total}`, topic, partition: 0, offset: String(Math.max(0, total - 1)) },
        attributes: { topic, perMinute: Math.round(rate * 10) / 10, threshold: thresholds.deadLettersPerMinute },
      }));
    }
  }

  private async checkNotifications(now: number): Promise<void> {
    const { notifications, thresholds, metrics } = this.options;
    if (!notifications) return;
    const counts = await notifications.queue.counts();
    const pending = counts.waiting + counts.delayed + counts.active;
    metrics.notificationsIn('pending', pending);
    metrics.notificationsIn('dead', counts.failed);
    const evidence = (count: number) => ({ eventId: `watchdog:${notifications.name}@${count}`, topic: `bullmq:${notifications.name}`, partition: 0, offset: String(count) });
    const attributes = { queue: notifications.name, pending, dead: counts.failed, threshold: thresholds.notificationBacklog };
    this.observe(PIPELINE_RULES.notificationDelivery, `${notifications.name}:backlog`, pending > thresholds.notificationBacklog, now, thresholds.notificationBacklogForMs, () => ({
      summary: `${pending} notifications waiting on queue ${notifications.name} (threshold ${thresholds.notificationBacklog}): Slack is not keeping up or not answering`,
      evidence: evidence(pending),
      attributes,
    }));
    this.observe(PIPELINE_RULES.notificationDelivery, `${notifications.name}:dead`, counts.failed > 0, now, 0, () => ({
      summary: `${counts.failed} notifications on queue ${notifications.name} failed for good and were never delivered`,
      evidence: evidence(counts.failed),
      attributes,
    }));
  }

  /**
   * Reads the epoch without ever writing it: the detector writes it (and rebuilds when it finds its
   * state lost); a watchdog that wrote first would hide the loss from the detector.
   */
  private async checkStateEpoch(): Promise<void> {
    const watched = this.options.stateEpoch;
    if (!watched) return;
    const current = await watched.redis.get(watched.key);
    const seen = this.epochSeen;
    if (current === null) {
      if (this.epochLossReported) return;
      let why: string | undefined;
      if (seen !== undefined) why = `the epoch ${seen} is gone`;
      else if (this.options.offsets) {
        const { groupId, topic } = watched.detectorGroup;
        const committed = await this.options.offsets.groupOffsets(groupId, topic);
        if (committed.some((c) => c.offset !== '-1')) why = `the epoch key is missing while consumer group ${groupId} has committed offsets on ${topic}`;
      }
      if (why) this.reportStateLost(watched.key, `${seen ?? 'unknown'}:missing`, why, seen ?? null);
      return;
    }
    if (seen !== undefined && current !== seen && !this.epochLossReported) {
      this.reportStateLost(watched.key, current, `the epoch ${seen} was replaced by ${current}`, seen);
    }
    this.epochSeen = current;
    this.epochLossReported = false;
  }

  private reportStateLost(key: string, episode: string, why: string, previous: string | null): void {
    this.epochLossReported = true;
    this.options.metrics.stateLostSeen();
    this.oneShots.set(`${PIPELINE_RULES.stateLost.id}:${episode}`, {
      startedAt: this.options.clock.now(),
      finding: {
        rule: PIPELINE_RULES.stateLost,
        key: episode,
        summary: `Redis lost the detector's state (${why}): windows, timers and deduplication state kept there before are gone`,
        evidence: { eventId: `watchdog:${key}:${episode}`, topic: `redis:${key}`, partition: 0, offset: '0' },
        attributes: { key, previous },
      },
    });
  }

  private observe(
    rule: PipelineRule,
    key: string,
    faulty: boolean,
    now: number,
    raiseAfterMs: number,
    describe: () => Omit<PipelineFinding, 'rule' | 'key'>,
  ): void {
    const id = `${rule.id}:${key}`;
    if (faulty) this.findings.set(id, { rule, key, ...describe() });
    this.options.metrics.pipelineFault(rule.id, key, faulty);
    const transition = this.tracker.observe(id, faulty, now, raiseAfterMs);
    if (transition === 'suppressed') this.options.metrics.pipelineIncidentSuppressed(rule.id);
    if (transition === 'raise' || transition === 'resolve') this.wanted.set(id, transition);
    if (!this.tracker.episode(id)) this.findings.delete(id);
  }

  private async applyTransitions(now: number): Promise<void> {
    for (const [id, entry] of this.oneShots) {
      if (await this.write(entry.finding, 'firing', entry.startedAt, now)) {
        this.oneShots.delete(id);
        this.raisedOneShots.add(id);
      }
    }
    for (const [id, transition] of this.wanted) {
      this.wanted.delete(id);
      const finding = this.findings.get(id);
      const episode = this.tracker.episode(id);
      if (!finding || !episode) continue;
      if (transition === 'raise' && (await this.write(finding, 'firing', episode.startedAt, now))) this.tracker.confirm(id, 'raise', now);
      if (transition === 'resolve') {
        const healthy = { ...finding, summary: `${finding.rule.title}: healthy again since ${new Date(episode.healthySince ?? now).toISOString()}` };
        if (await this.write(healthy, 'resolved', episode.startedAt, now)) {
          this.tracker.confirm(id, 'resolve', now);
          this.findings.delete(id);
        }
      }
    }
  }

  private async write(finding: PipelineFinding, status: 'firing' | 'resolved', startedAt: number, now: number): Promise<boolean> {
    const detection = pipelineDetection(finding, status, new Date(startedAt).toISOString(), new Date(now).toISOString());
    try {
      const result = await this.options.writer.applyDetection(detection, {});
      this.log.warn({ rule: detection.ruleId, key: finding.key, status, outcome: result.outcome }, finding.summary);
      if (result.notifications.length > 0 && this.options.writer.enqueue) {
        await this.options.writer.enqueue(result.notifications).catch((error: unknown) => {
          this.log.warn({ err: errorMessage(error) }, 'enqueue failed; the outbox sweeper will send it');
        });
      }
      return true;
    } catch (error) {
      this.options.metrics.dependencyError('postgres', 'watchdog.apply');
      this.log.warn({ rule: detection.ruleId, err: errorMessage(error) }, 'could not write a pipeline incident; retrying next round');
      return false;
    }
  }

  private async adoptOpenIncidents(): Promise<void> {
    if (!this.options.openIncidents) return;
    try {
      for (const incident of await this.options.openIncidents()) {
        const rule = Object.values(PIPELINE_RULES).find((r) => incident.dedupKey.startsWith(`${r.id}:`));
        if (!rule || rule === PIPELINE_RULES.stateLost || rule === PIPELINE_RULES.offsetReset) continue;
        const key = incident.dedupKey.slice(rule.id.length + 1);
        this.tracker.adopt(incident.dedupKey, Date.parse(incident.firstEventAt));
        this.findings.set(incident.dedupKey, {
          rule,
          key,
          summary: rule.title,
          evidence: PLACEHOLDER_EVIDENCE,
          attributes: {},
        });
      }
    } catch (error) {
      this.log.warn({ err: errorMessage(error) }, 'could not read open pipeline incidents');
    }
  }
}

function evidenceOf(group: WatchedGroup, partition: PartitionLag): PipelineFinding['evidence'] {
  const offset = partition.committed === '-1' ? partition.low : partition.committed;
  return { eventId: `watchdog:${group.groupId}/${group.topic}/${partition.partition}@${offset}`, topic: group.topic, partition: partition.partition, offset };
}
