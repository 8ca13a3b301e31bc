export { VigilMetrics } from './metrics';
export type { Stage, Dependency, NotificationState } from './metrics';
export { checkReadiness, kafkaCheck, postgresCheck, redisCheck } from './readiness';
export type { ReadinessCheck, ReadinessReport } from './readiness';
export { registerHealthRoutes } from './health-routes';
export type { HealthRoutesOptions } from './health-routes';
export { startAdminServer } from './admin-server';
export type { AdminServer, AdminServerOptions } from './admin-server';
export { PipelineWatchdog } from './watchdog/watchdog';
export type { WatchdogOptions, WatchdogThresholds, WatchedGroup } from './watchdog/watchdog';
export { PIPELINE_RULES, PIPELINE_OWNER_KEY, pipelineDetection } from './watchdog/pipeline-rules';
export type { PipelineFinding, PipelineRule } from './watchdog/pipeline-rules';
export { FaultTracker } from './watchdog/fault-tracker';
export { readGroupLag, stalledPartitions } from './watchdog/group-lag';
export type { PartitionLag } from './watchdog/group-lag';
export type {
  CommittedOffset,
  NotificationQueueCounts,
  OffsetsReader,
  PartitionWatermarks,
  PipelineIncidentWriter,
} from './watchdog/watchdog-sources';
