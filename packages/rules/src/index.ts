export { createDetector, DETECTOR_SCRIPTS } from './detector';
export type { Detector, DetectorOptions, BatchMessage, BatchResult, LateEvent, TickResult } from './detector';
export { defineRule, NO_DETECTIONS } from './rule';
export type {
  Rule,
  RuleContext,
  RuleVerdict,
  RuleFixture,
  RuleFixtures,
  RuleDefinition,
  FixtureStep,
} from './rule';
export { catalog } from './catalog';
export { RuleOverride, RuleOverrides, applyOverrides } from './rule-overrides';
export { Duration, formatDuration } from './duration';
export { bruteForceRule, BruteForceParameters } from './identity/brute-force.rule';
export { passwordSprayRule, PasswordSprayParameters } from './identity/password-spray.rule';
export {
  passwordSprayDistributedRule,
  PasswordSprayDistributedParameters,
} from './identity/password-spray-distributed.rule';
export { mfaRemovedRule, MfaRemovedParameters } from './identity/mfa-removed.rule';
export { adminGrantedRule, AdminGrantedParameters } from './identity/admin-granted.rule';
export { deprovisionedAccessRule, DeprovisionedAccessParameters } from './identity/deprovisioned-access.rule';
export { rootOrNoMfaLoginRule, RootOrNoMfaLoginParameters } from './identity/root-or-no-mfa-login.rule';
export { serviceDownRule, ServiceDownParameters } from './availability/service-down.rule';
export { sloBurnRule, SloBurnParameters } from './availability/slo-burn.rule';
export {
  commitmentBreachRule,
  CommitmentBreachParameters,
  monthOf,
} from './availability/commitment-breach.rule';
export { backupFailedRule, BackupFailedParameters } from './availability/backup-failed.rule';
export { backupMissedRule, BackupMissedParameters } from './availability/backup-missed.rule';
export {
  restoreTestOverdueRule,
  RestoreTestOverdueParameters,
} from './availability/restore-test-overdue.rule';
export { auditDisabledRule, AuditDisabledParameters } from './logging/audit-disabled.rule';
export { sourceSilentRule, SourceSilentParameters } from './logging/source-silent.rule';
export { countInWindow, COUNT_IN_WINDOW_SCRIPT } from './count-in-window';
export type { CountInWindowInput, CountInWindowResult, WindowCrossing } from './count-in-window';
export { consecutiveState, CONSECUTIVE_STATE_SCRIPT } from './consecutive-state';
export type {
  ConsecutiveStateInput,
  ConsecutiveStateResult,
  StateTransition,
  CommitmentSpec,
  CommitmentBreach,
} from './consecutive-state';
export { distinctCount, DISTINCT_COUNT_SCRIPT } from './distinct-count';
export type { DistinctCountInput, DistinctCountResult, DistinctCrossing } from './distinct-count';
export { burnRate, burnRateWindow, burnRateWindows, BURN_RATE_SCRIPT } from './burn-rate';
export type { BurnRateInput, BurnRateResult, BurnTransition, BurnCondition, BurnLevel } from './burn-rate';
export { armDeadline, claimDueDeadlines, commitDeadlines, deadlineKeys, DEADLINE_SCRIPTS } from './deadline';
export type {
  DeadlineArmInput,
  DeadlineFiring,
  DeadlineKeys,
  DeadlineResolution,
  DeadlineResult,
} from './deadline';
export { sequenceStep, sequenceKey, SEQUENCE_SCRIPT } from './sequence';
export type { SequenceInput, SequenceMatch, SequenceResult } from './sequence';
export { RedisBatch, runAlone } from './redis-batch';
export type { LuaScript } from './redis-batch';
export { scopeKeys } from './state-keys';
export type { ScopeKeys } from './state-keys';
export type { StreamPosition } from './evidence';
export { encodePosition } from './evidence';
export { LocalCountInWindow } from './local-state/local-count-in-window';
export { LocalDistinctCount } from './local-state/local-distinct-count';
export { detectionId, deadlineSuffix } from './detection-builder';
export { runFixture, expectedDetectionId } from './fixture-runner';
export type { FixtureRun } from './fixture-runner';
export { ruleCoverage, formatCoverage } from './coverage';
export type { CoverageReport, FixtureOutcome } from './coverage';
export {
  FIXTURE_EPOCH_MS,
  fixtureTime,
  signIn,
  uptimeCheck,
  accountChange,
  apiCall,
  heartbeat,
  backupJob,
  restoreTest,
} from './fixture-events';
export {
  loadRulesDirectory,
  runRuleTests,
  formatRuleTests,
  runBacktest,
  readEventLines,
} from './custom';
export type { RulesDirectory, RuleTestOutcome, BacktestResult } from './custom';
export { rulesCommand } from './cli/rules-command';
