export {
  CommonEnv,
  IngestEnv,
  DetectorEnv,
  AlerterEnv,
  ApiEnv,
  loadIngestConfig,
  loadDetectorConfig,
  loadAlerterConfig,
  loadApiConfig,
  loadStandaloneConfig,
  parseApiTokens,
} from './config';
export type { CommonConfig, IngestConfig, DetectorConfig, AlerterConfig, ApiConfig, StandaloneConfig } from './config';
export { startDetectorStage } from './detector-stage';
export { isolateRecords } from './record-isolation';
export type { IsolationOptions, PoisonedRecord } from './record-isolation';
export type { DeadLetterKind } from './stage-dead-letter';
export { loadRules } from './rules-file';
export type { BatchDetector, DetectorStageOptions, StreamPosition } from './detector-stage';
export { startAlerterStage } from './alerter-stage';
export type { AlerterStageOptions, DetectionApplier, NotificationEnqueuer } from './alerter-stage';
export { orderedStop } from './running-service';
export { announceReady, reachableUrl, type ReadyOptions } from './ready-announcement';
export type { RunningService } from './running-service';
export { startIngest } from './ingest-service';
export { startDetector } from './detector-service';
export { startAlerter } from './alerter-service';
export { startApi } from './api-service';
export { startStandalone } from './standalone';
export type { Standalone } from './standalone';
export { startDetectorTicker } from './detector-ticker';
export type { DeadlineTicker, DetectorTickerOptions } from './detector-ticker';
export { openRegister } from './register-pool';
export { createServiceBus, createOffsetsReader } from './service-bus';
export { startWatchdog } from './watchdog-service';
export { WatchdogEnv } from './config';
