export { loadRulesDirectory } from './rules-directory';
export type { RulesDirectory } from './rules-directory';
export { runRuleTests, formatRuleTests } from './rules-check';
export type { RuleTestOutcome } from './rules-check';
export { runBacktest, readEventLines } from './backtest';
export type { BacktestResult } from './backtest';
