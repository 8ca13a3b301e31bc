import { parseArgs } from 'node:util';
import { createBus, type Bus } from '@vigil/bus';
import { errorMessage } from '@vigil/runtime';
import { SOURCE_NAME, topicNames } from '@vigil/schema';
import { createLogger, type Logger } from '@vigil/telemetry';
import { SOURCE_FORMATS, SourceFormat } from '../source-config';
import { replayFile, ReplayReadError, type ReplaySummary } from './replay-file';

const USAGE = `usage: vigil replay --source <name> --format <${SOURCE_FORMATS.join('|')}> --file <path> [--batch-size <n>]

Pushes a JSON array or JSON-lines file of a source's events through the source's normaliser onto
Kafka (KAFKA_BROKERS, topics prefixed with TOPIC_PREFIX). Invalid records go to the dead-letter
topic with their reason. Event ids come from the source: running it twice is harmless.
Exit status: 0 done, 1 nothing could be read, 2 usage, 3 Kafka failed part-way (run it again).`;

export interface ReplayCliDeps {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  /** Defaults to `createBus` on KAFKA_BROKERS. */
  makeBus?: (brokers: string[], logger: Logger) => Bus;
}

const MAX_PROBLEMS_SHOWN = 20;

function printSummary(summary: ReplaySummary, out: (line: string) => void): void {
  out(
    `replayed ${summary.path} (${summary.layout}) as source ${summary.source}, format ${summary.format}: ` +
      `${summary.records} records, ${summary.accepted} accepted, ${summary.deadLettered} dead-lettered`,
  );
  for (const problem of summary.problems.slice(0, MAX_PROBLEMS_SHOWN)) {
    const where = problem.line !== undefined ? `line ${problem.line}` : `record ${problem.index}`;
    const fields = problem.errors.map((e) => `${e.path}: ${e.message}`).join('; ');
    out(`  ${where}: ${problem.reason}${fields ? ` (${fields})` : ''}`);
  }
  if (summary.problems.length > MAX_PROBLEMS_SHOWN) {
    out(`  ... and ${summary.problems.length - MAX_PROBLEMS_SHOWN} more on the dead-letter topic`);
  }
}

/** The CLI without the process: returns the exit status. */
export async function replayCli(argv: string[], env: NodeJS.ProcessEnv, deps: ReplayCliDeps): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        source: { type: 'string' },
        format: { type: 'string' },
        file: { type: 'string' },
        'batch-size': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (error) {
    deps.stderr(`${errorMessage(error)}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    deps.stdout(USAGE);
    return 0;
  }
  const problems: string[] = [];
  if (!args.source) problems.push('--source is required');
  else if (!SOURCE_NAME.test(args.source)) problems.push('--source: lower-case letters, digits, - and _');
  const format = SourceFormat.safeParse(args.format);
  if (!format.success) problems.push(`--format: one of ${SOURCE_FORMATS.join(', ')}`);
  if (!args.file) problems.push('--file is required');
  const batchSize = args['batch-size'] === undefined ? undefined : Number(args['batch-size']);
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0)) problems.push('--batch-size: a positive integer');
  const brokers = (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) problems.push('KAFKA_BROKERS is not set (replay writes to Kafka; an in-process bus would lose the events at exit)');
  if (problems.length > 0 || !format.success || !args.source || !args.file) {
    deps.stderr(`${problems.join('\n')}\n${USAGE}`);
    return 2;
  }

  const logger = createLogger({ level: env.LOG_LEVEL ?? 'warn', name: 'vigil-replay', destination: process.stderr });
  const bus = (deps.makeBus ?? ((b, l) => createBus({ brokers: b, clientId: 'vigil-replay', logger: l })))(brokers, logger);
  try {
    await bus.start();
    const summary = await replayFile({
      path: args.file,
      source: { name: args.source, format: format.data },
      bus,
      topics: topicNames(env.TOPIC_PREFIX ?? ''),
      ...(batchSize !== undefined ? { batchSize } : {}),
    });
    printSummary(summary, deps.stdout);
    if (summary.parsed === 0) {
      deps.stderr(`nothing could be read from ${args.file}`);
      return 1;
    }
    return 0;
  } catch (error) {
    if (error instanceof ReplayReadError) {
      deps.stderr(error.message);
      return 1;
    }
    deps.stderr(`replay failed part-way: ${errorMessage(error)}; what was written stays written, and running it again is harmless`);
    return 3;
  } finally {
    await bus.stop().catch((error: unknown) => deps.stderr(`stopping the bus failed: ${errorMessage(error)}`));
  }
}

