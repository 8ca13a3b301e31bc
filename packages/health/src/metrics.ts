import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The pipeline stages events and detections pass through, as metric labels. */
export type Stage = 'ingest' | 'detector' | 'alerter';
/** Where a dependency error happened: the process's Redis or PostgreSQL client. */
export type Dependency = 'redis' | 'postgres' | 'kafka';
export type NotificationState = 'pending' | 'dead';

/**
 * Every Prometheus metric Vigil serves, in one place, with typed helpers the stages call. One
 * instance per process, created where the services are wired and passed in through their options;
 * metric names are documented in docs/operations.md and are a stable interface (dashboards and
 * alert rules are built on them).
 */
export class VigilMetrics {
  readonly registry: Registry;
  private readonly events: Counter<'stage' | 'source' | 'outcome'>;
  private readonly batchSeconds: Histogram<'stage'>;
  private readonly dependencyErrors: Counter<'dependency' | 'operation'>;
  private readonly notificationsSent: Counter<'channel'>;
  private readonly notifications: Gauge<'state'>;
  private readonly incidentsOpened: Counter<'rule' | 'severity'>;
  private readonly lag: Gauge<'group' | 'topic' | 'partition'>;
  private readonly offsetOutOfRange: Counter;
  private readonly skippedRecords: Counter<'group' | 'topic' | 'partition'>;
  private readonly deadLetterRate: Gauge<'topic'>;
  private readonly stateLost: Counter;
  private readonly faults: Gauge<'rule' | 'key'>;
  private readonly suppressed: Counter<'rule'>;
  private readonly watchdogErrors: Counter<'check'>;
  private readonly ingestDeadLetters: Counter<'source' | 'reason'>;

  constructor(options: { service: string; defaultMetrics?: boolean }) {
    this.registry = new Registry();
    this.registry.setDefaultLabels({ service: options.service });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'vigil_process_' });
    const registers = [this.registry];
    this.events = new Counter({
      name: 'vigil_events_total',
      help: 'Records handled by a stage: outcome in (received), out (passed on) or dead_lettered',
      labelNames: ['stage', 'source', 'outcome'],
      registers,
    });
    this.batchSeconds = new Histogram({
      name: 'vigil_batch_duration_seconds',
      help: 'Time a stage spent on one batch (one HTTP delivery for ingest)',
      labelNames: ['stage'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.dependencyErrors = new Counter({
      name: 'vigil_dependency_errors_total',
      help: 'Failed calls to Redis, PostgreSQL or Kafka',
      labelNames: ['dependency', 'operation'],
      registers,
    });
    this.notificationsSent = new Counter({
      name: 'vigil_notifications_sent_total',
      help: 'Notifications delivered (channel slack or log)',
      labelNames: ['channel'],
      registers,
    });
    this.notifications = new Gauge({
      name: 'vigil_notifications',
      help: 'Notifications waiting in the queue (pending) or failed for good (dead), as the watchdog last saw them',
      labelNames: ['state'],
      registers,
    });
    this.incidentsOpened = new Counter({
      name: 'vigil_incidents_opened_total',
      help: 'Incidents opened in the register by this process',
      labelNames: ['rule', 'severity'],
      registers,
    });
    this.lag = new Gauge({
      name: 'vigil_consumer_lag',
      help: 'Records on a partition not yet committed by a consumer group (high watermark minus committed offset)',
      labelNames: ['group', 'topic', 'partition'],
      registers,
    });
    this.offsetOutOfRange = new Counter({
      name: 'vigil_kafka_offset_out_of_range_total',
      help: 'kafkajs "Offset out of range" resets seen in this process: records may have been skipped',
      registers,
    });
    this.skippedRecords = new Counter({
      name: 'vigil_skipped_records_total',
      help: 'Records a consumer group skipped or will skip because its committed offset fell below the log start',
      labelNames: ['group', 'topic', 'partition'],
      registers,
    });
    this.deadLetterRate = new Gauge({
      name: 'vigil_dead_letters_per_minute',
      help: 'Records arriving on a dead-letter topic per minute, over the watchdog window',
      labelNames: ['topic'],
      registers,
    });
    this.stateLost = new Counter({
      name: 'vigil_state_lost_total',
      help: 'Times the watchdog found the Redis state epoch lost or replaced',
      registers,
    });
    this.faults = new Gauge({
      name: 'vigil_pipeline_fault',
      help: '1 while a pipeline self-monitoring fault is raised (one series per rule and key), 0 once healthy',
      labelNames: ['rule', 'key'],
      registers,
    });
    this.suppressed = new Counter({
      name: 'vigil_pipeline_incidents_suppressed_total',
      help: 'Pipeline incidents not raised because the hourly cap was reached',
      labelNames: ['rule'],
      registers,
    });
    this.watchdogErrors = new Counter({
      name: 'vigil_watchdog_check_errors_total',
      help: 'Watchdog checks that could not read their dependency',
      labelNames: ['check'],
      registers,
    });
    this.ingestDeadLetters = new Counter({
      name: 'vigil_ingest_dead_letters_total',
      help: 'Deliveries and items ingest refused and kept on the events dead-letter topic, by source and reason code',
      labelNames: ['source', 'reason'],
      registers,
    });
  }

  /** Records a stage received (source is the event source, or `unknown`). */
  eventsIn(stage: Stage, source: string, count = 1): void {
    if (count > 0) this.events.inc({ stage, source, outcome: 'in' }, count);
  }

  /** Records a stage passed on (to the next topic, or into the register). */
  eventsOut(stage: Stage, source: string, count = 1): void {
    if (count > 0) this.events.inc({ stage, source, outcome: 'out' }, count);
  }

  deadLettered(stage: Stage, source: string, count = 1): void {
    if (count > 0) this.events.inc({ stage, source, outcome: 'dead_lettered' }, count);
  }

  /** What ingest dead-lettered, by why (`DeadLetterCode` of @vigil/sources); counted besides `deadLettered`. */
  ingestDeadLettered(source: string, reason: string, count = 1): void {
    if (count > 0) this.ingestDeadLetters.inc({ source, reason }, count);
  }

  /** Starts a batch timer; call the returned function when the batch is done. */
  startBatch(stage: Stage): () => void {
    const end = this.batchSeconds.startTimer({ stage });
    return () => {
      end();
    };
  }

  dependencyError(dependency: Dependency, operation: string): void {
    this.dependencyErrors.inc({ dependency, operation });
  }

  notificationSent(channel: string): void {
    this.notificationsSent.inc({ channel });
  }

  notificationsIn(state: NotificationState, count: number): void {
    this.notifications.set({ state }, count);
  }

  incidentOpened(rule: string, severity: string): void {
    this.incidentsOpened.inc({ rule, severity });
  }

  consumerLag(group: string, topic: string, partition: number, lag: number): void {
    this.lag.set({ group, topic, partition: String(partition) }, lag);
  }

  offsetReset(): void {
    this.offsetOutOfRange.inc();
  }

  recordsSkipped(group: string, topic: string, partition: number, count: number): void {
    if (count > 0) this.skippedRecords.inc({ group, topic, partition: String(partition) }, count);
  }

  deadLettersPerMinute(topic: string, rate: number): void {
    this.deadLetterRate.set({ topic }, rate);
  }

  stateLostSeen(): void {
    this.stateLost.inc();
  }

  pipelineFault(rule: string, key: string, raised: boolean): void {
    this.faults.set({ rule, key }, raised ? 1 : 0);
  }

  pipelineIncidentSuppressed(rule: string): void {
    this.suppressed.inc({ rule });
  }

  watchdogCheckFailed(check: string): void {
    this.watchdogErrors.inc({ check });
  }

  /** The exposition text `/metrics` serves. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
