import type { Redis } from 'ioredis';
import { formatCoverage, ruleCoverage, catalog, rulesCommand as rulesAsCode } from '@vigil/rules';
import { CUEC_REPORT_USAGE, cuecReportCommand, exportBundleCommand, migrate, verifyBundleCommand, verifyChainCommand } from '@vigil/incidents';
import { tokensCommand } from '@vigil/api';
import { replayCli } from '@vigil/sources';
import { createLogger } from '@vigil/telemetry';
import { topicsApplyCommand } from './topics-command';
import { configValidateCommand } from './config-command';
import { DEMO_HELP, demoCommand } from './demo-command';
import { SERVICES, type ServiceName } from './services';

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export interface Command {
  /** One line for `vigil --help`. */
  summary: string;
  /** The full text of `vigil <command> --help`. */
  help: string;
  /** Exit status; `undefined` means the command keeps the process running (a service). */
  run(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number | undefined>;
}

const serviceList = Object.keys(SERVICES).join(', ');

async function withRedis<T>(url: string, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/** `vigil rules <sub>`: coverage runs every rule's fixtures; test and backtest are the slots for rules as code. */
async function rulesCommand(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const [sub] = argv;
  if (sub === 'coverage') {
    const { randomBytes } = await import('node:crypto');
    return withRedis(env.REDIS_URL ?? 'redis://127.0.0.1:6379', async (redis) => {
      const keyPrefix = `vigil-rule-coverage:${Date.now().toString(36)}${randomBytes(4).toString('hex')}:`;
      const report = await ruleCoverage({ redis, keyPrefix, rules: catalog });
      io.out(formatCoverage(report).trimEnd());
      return report.passed ? 0 : 1;
    });
  }
  if (sub === 'test' || sub === 'backtest') return rulesAsCode(argv);
  io.err(`vigil rules: expected test, backtest or coverage, got ${sub ?? 'nothing'}\n\n${COMMANDS.rules!.help}`);
  return 2;
}

export const COMMANDS: Record<string, Command> = {
  start: {
    summary: 'run a service (default: all four in one process)',
    help: `Usage: vigil start [service]

Runs one service in this process; SIGTERM / SIGINT drain it and exit 0.
Services: ${serviceList} (default: standalone, all four in one process).
Configuration comes from the environment (docs/configuration.md).`,
    async run(argv, _env, io) {
      const name = (argv[0] ?? 'standalone') as ServiceName;
      const load = SERVICES[name];
      if (!load) {
        io.err(`vigil start: unknown service "${name}"; one of ${serviceList}`);
        return 2;
      }
      await load();
      return undefined;
    },
  },
  demo: {
    summary: 'post the README’s demo events to a running Vigil and wait for its two incidents',
    help: DEMO_HELP,
    run: demoCommand,
  },
  migrate: {
    summary: 'apply the register’s database migrations (DATABASE_URL)',
    help: `Usage: vigil migrate

Applies the numbered SQL migrations not yet recorded in schema_migrations, each in its own transaction,
under an advisory lock (several processes may run it at once). DATABASE_URL names the database.
Exit 0: up to date; 2: could not migrate.`,
    async run(_argv, env, io) {
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({ connectionString: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', max: 1 });
      try {
        const { applied } = await migrate(pool, { logger: createLogger({ name: 'vigil-migrate', level: env.LOG_LEVEL ?? 'warn' }) });
        io.out(applied.length ? `applied ${applied.join(', ')}` : 'the register is up to date');
        return 0;
      } catch (error) {
        io.err(`vigil migrate: ${(error as Error).message}`);
        return 2;
      } finally {
        await pool.end();
      }
    },
  },
  topics: {
    summary: 'topics apply: create or check the Kafka topics of infra/kafka/topics.yaml',
    help: `Usage: vigil topics apply [--file topics.yaml] [--check]

Creates the topics named in the topics file (TOPIC_PREFIX in front of each name) that do not exist, with
their partitions, replication and retention, and checks those that exist: a partition count different
from the file's is reported and exits 1 (partitions are never changed: events are keyed by entity, and
the detectors' state is built for one count). --check only reports. Uses KAFKA_BROKERS and the
KAFKA_SSL_* / KAFKA_SASL_* variables. Exit 0: all topics as the file says; 1: a difference; 2: could not run.`,
    run: (argv, env, io) => (argv[0] === 'apply' ? topicsApplyCommand(argv.slice(1), env, io) : Promise.resolve(usage('topics', io))),
  },
  config: {
    summary: 'config validate [service]: check the environment and every YAML file it names',
    help: `Usage: vigil config validate [service]

Parses the environment as the service would (default: standalone, which reads every variable) and loads
every file it names (SOURCES_FILE, OWNERS_FILE, RULES_FILE, RULES_DIR, SERVICES_FILE, PROBER_FILE, VENDORS_FILE), printing each
problem with the variable or file it comes from. Exit 0: valid; 1: invalid.`,
    run: (argv, env, io) => (argv[0] === 'validate' ? configValidateCommand(argv.slice(1), env, io) : Promise.resolve(usage('config', io))),
  },
  rules: {
    summary: 'rules test | backtest | coverage',
    help: `Usage: vigil rules coverage | test DIR | backtest DIR EVENTS.jsonl

coverage   runs every rule's positive and negative fixtures against Redis (REDIS_URL, under a key prefix of
           its own, deleted after) and prints which SOC 2 criteria the catalog covers. Exit 1 if a fixture fails.
test DIR                      loads every rule of DIR (rules as code, docs/rules.md), runs every inline test.
backtest DIR EVENTS.jsonl     runs DIR's rules over normalised events (JSON lines, e.g. a dump of the events
  [--with-catalog]            topic) and prints what would have fired. Both need REDIS_URL.`,
    run: rulesCommand,
  },
  'verify-chain': {
    summary: 'recompute the register’s hash chain (DATABASE_URL)',
    help: `Usage: vigil verify-chain

Recomputes every incident timeline's hash chain. Exit 0: intact; 1: broken (the first broken entry is
printed); 2: could not be checked.`,
    run: (_argv, env, io) => verifyChainCommand({ env, out: io.out, err: io.err }),
  },
  'export-bundle': {
    summary: 'write an auditor’s evidence bundle for a period',
    help: `Usage: vigil export-bundle --from <ISO time> --to <ISO time> --out <dir> [--sample-seed <seed> [--sample-size N]]

Writes the period's population, timelines, figures and manifest (docs/audit.md). Exit 0: written, register
intact; 1: written, but numbers are missing or the chain is broken; 2: not written.`,
    run: (argv, env, io) => exportBundleCommand({ argv, env, out: io.out, err: io.err }),
  },
  'cuec-report': {
    summary: 'the vendors’ CUECs for a period: evidence, exceptions, gaps (VENDORS_FILE, DATABASE_URL)',
    help: `Usage: vigil ${CUEC_REPORT_USAGE.replace(/^usage: /, '')}`,
    run: (argv, env, io) => cuecReportCommand({ argv, env, out: io.out, err: io.err }),
  },
  'verify-bundle': {
    summary: 'check an evidence bundle against its manifest, offline',
    help: `Usage: vigil verify-bundle <dir> --public-key <PEM file> [--kept <checkpoints file>]

Offline, the same program as tools/verify-bundle.mjs. Exit 0: signed, every file intact, every timeline entry
proven; it then prints what it checked and what it could not (that the key is the register's published one,
that the export log recorded this manifest's SHA-256). 1: a file is altered or missing (named); 2: no
manifest or key.`,
    run: (argv, _env, io) => verifyBundleCommand({ argv, out: io.out, err: io.err }),
  },
  tokens: {
    summary: 'create, revoke or list API tokens kept in the database',
    help: `Usage: vigil tokens create --name <name> --role viewer|responder|admin|auditor
       vigil tokens revoke --name <name>
       vigil tokens list

Exit 0: done; 1: refused (name taken, no such token, already revoked); 2: could not run.`,
    run: (argv, env, io) => tokensCommand({ argv, env, out: io.out, err: io.err }),
  },
  replay: {
    summary: 'replay a file of source events onto the events topic',
    help: `Usage: vigil replay --source <name> --format <format> --file <path> [--batch-size N]

Reads a file of a source's events (JSON lines or a JSON array) and writes them to the events topic with
their stable ids, so replaying twice never double-counts (docs/sources.md).`,
    run: (argv, env, io) => replayCli(argv, env, { stdout: io.out, stderr: io.err }),
  },
};

function usage(name: string, io: Io): number {
  io.err(COMMANDS[name]!.help);
  return 2;
}

export function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'Usage: vigil <command> [options]     (vigil <command> --help for each)',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`),
  ].join('\n');
}

/** Runs one command line. Returns the exit status, or undefined when a service keeps the process running. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number | undefined> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(overview());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`vigil: unknown command "${name}"\n\n${overview()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.help);
    return 0;
  }
  return command.run(rest, env, io);
}
