import { loadServicesFile } from '@vigil/api';
import { loadVendorsConfig } from '@vigil/incidents';
import { loadOwners } from '@vigil/notify';
import { loadAlerterConfig, loadApiConfig, loadDetectorConfig, loadIngestConfig, loadRules, loadStandaloneConfig } from '@vigil/pipeline';
import { ConfigError } from '@vigil/runtime';
import { loadProberConfig, loadSourcesConfig } from '@vigil/sources';
import type { Io } from './commands';

const LOADERS = {
  standalone: loadStandaloneConfig,
  ingest: loadIngestConfig,
  detector: loadDetectorConfig,
  alerter: loadAlerterConfig,
  api: loadApiConfig,
} as const;

/** The files a service's configuration names, each with the loader that validates it. */
function namedFiles(config: Record<string, unknown>, env: NodeJS.ProcessEnv): Array<[string, string, () => unknown]> {
  const files: Array<[string, string, () => unknown]> = [];
  const add = (variable: string, load: (path: string) => unknown) => {
    const path = config[variable];
    if (typeof path === 'string' && path) files.push([variable, path, () => load(path)]);
  };
  add('SOURCES_FILE', (path) => loadSourcesConfig(path, env));
  add('OWNERS_FILE', loadOwners);
  add('RULES_FILE', loadRules);
  add('RULES_DIR', (dir) => loadRules(undefined, {}, dir));
  add('SERVICES_FILE', loadServicesFile);
  add('PROBER_FILE', loadProberConfig);
  add('VENDORS_FILE', loadVendorsConfig);
  return files;
}

/** `vigil config validate [service]`: 0 when the environment and every file it names are valid, else 1. */
export async function configValidateCommand(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const service = argv[0] ?? 'standalone';
  const load = LOADERS[service as keyof typeof LOADERS];
  if (!load) {
    io.err(`vigil config validate: unknown service "${service}"; one of ${Object.keys(LOADERS).join(', ')}`);
    return 2;
  }
  let config: Record<string, unknown>;
  try {
    config = load(env) as unknown as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(`${service}: the environment is invalid`);
    for (const problem of error.problems) io.err(`  - ${problem}`);
    return 1;
  }
  io.out(`${service}: environment ok`);
  let failed = false;
  for (const [variable, path, check] of namedFiles(config, env)) {
    try {
      check();
      io.out(`${variable}=${path}: ok`);
    } catch (error) {
      failed = true;
      const problems = error instanceof ConfigError ? error.problems : [(error as Error).message];
      io.err(`${variable}=${path}: invalid`);
      for (const problem of problems) io.err(`  - ${problem}`);
    }
  }
  return failed ? 1 : 0;
}
