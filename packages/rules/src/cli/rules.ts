/**
 * Detections as code, from the command line.
 *
 *   pnpm rules test DIR              load every rule of DIR, run every inline test, print pass/fail
 *   pnpm rules backtest DIR EVENTS   run DIR's rules over EVENTS (JSON lines of normalised events,
 *                                    e.g. a dump of the events topic) and print what would have fired
 *
 * Exit status: 0 all good, 1 a test failed, 2 the rules are invalid or it could not run (e.g. no
 * Redis). Both need Redis (REDIS_URL, default redis://127.0.0.1:6379): the inline tests run on the
 * detector's own primitives. Keys live under a prefix of their own and are deleted after.
 */
import { rulesCommand } from './rules-command';

rulesCommand(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`rules: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
