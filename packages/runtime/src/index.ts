export { ValidationError, RetryableError, NonRetryableError, errorMessage } from './errors';
export { systemClock, ManualClock } from './clock';
export type { Clock } from './clock';
export { ShutdownRegistry } from './shutdown';
export type { Stoppable, ShutdownLog } from './shutdown';
export { ConfigError, parseEnv, envBoolean, envPort } from './config';
