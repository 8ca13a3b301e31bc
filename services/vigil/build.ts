/**
 * The production build: each service's entry and the `vigil` CLI bundled by esbuild to `dist/*.js`, with the
 * workspace packages inlined and every npm dependency left external (installed by `pnpm deploy --prod`),
 * plus the files Vigil reads at run time copied beside them (migrations, topics file, dashboard assets).
 *
 * Why a bundler and not `tsc -b`: the workspace packages export their TypeScript source and import each
 * other without file extensions (`moduleResolution: Bundler`); tsc would emit JS that Node cannot load
 * without rewriting every import and giving every package a second build and export map. esbuild is
 * already in the lockfile (tsx runs on it), keeps the source exactly as the tests run it, and type-checking
 * stays with `pnpm typecheck`.
 *
 *   pnpm --filter @vigil/vigil build    # or: pnpm build
 *   node --import tsx build.ts --out .fault-build    # elsewhere than dist/
 */
import { builtinModules } from 'node:module';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
// `--out <dir>` builds elsewhere (the fault suite's own copy, so a concurrent build cannot pull it from
// under running services); inside this package, so the bundles resolve its node_modules.
const outDir = process.argv.includes('--out') ? process.argv[process.argv.indexOf('--out') + 1] : undefined;
const dist = outDir ? `${resolve(outDir)}/` : here('./dist/');
const pkg = JSON.parse(readFileSync(here('./package.json'), 'utf8')) as { dependencies: Record<string, string> };
const external = new Set(Object.keys(pkg.dependencies));
const builtins = new Set(builtinModules);

export const ENTRIES: Record<string, string> = {
  vigil: './src/main.ts',
  standalone: '../standalone/src/main.ts',
  ingest: '../ingest/src/main.ts',
  detector: '../detector/src/main.ts',
  alerter: '../alerter/src/main.ts',
  api: '../api/src/main.ts',
};

/** Inline @vigil/*, keep declared dependencies external, refuse anything else (it would be missing in the image). */
const dependenciesOnly: Plugin = {
  name: 'dependencies-only',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@vigil/')) return undefined;
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0]!;
      if (args.path.startsWith('node:') || builtins.has(name) || external.has(name)) return { external: true };
      return { errors: [{ text: `${args.path} (imported by ${args.importer}) is not a dependency of services/vigil/package.json` }] };
    });
  },
};

/** The `runService` name of each service, which is also its default OpenTelemetry service name. */
const SERVICE_NAMES: Record<string, string> = {
  standalone: 'vigil',
  ingest: 'vigil-ingest',
  detector: 'vigil-detector',
  alerter: 'vigil-alerter',
  api: 'vigil-api',
};

/**
 * Each service's `dist/<service>.js` starts tracing (and, when traces are exported, the HTTP / PostgreSQL /
 * Redis instrumentations with their module hooks) before it imports the service: with code splitting, the
 * service and the libraries it uses are in chunks loaded by that import, after the hooks are in place.
 */
const instrumentedEntries: Plugin = {
  name: 'instrumented-entries',
  setup(b) {
    b.onResolve({ filter: /^vigil-entry:/ }, (args) => ({ path: args.path.slice('vigil-entry:'.length), namespace: 'vigil-entry' }));
    b.onLoad({ filter: /.*/, namespace: 'vigil-entry' }, (args) => ({
      resolveDir: here('.'),
      loader: 'ts',
      contents: [
        "import { startTracingEarly } from '@vigil/bootstrap';",
        `await startTracingEarly(${JSON.stringify(SERVICE_NAMES[args.path])}, process.env);`,
        `await import(${JSON.stringify(here(ENTRIES[args.path]!))});`,
      ].join('\n'),
    }));
  },
};

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const result = await build({
  entryPoints: Object.fromEntries(
    Object.entries(ENTRIES).map(([name, path]) => [name, SERVICE_NAMES[name] ? `vigil-entry:${name}` : here(path)]),
  ),
  splitting: true,
  // Chunks beside the entries: modules find what ships with them (migrations, assets) relative to themselves.
  chunkNames: '[name]-[hash]',
  outdir: dist,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
  plugins: [instrumentedEntries, dependenciesOnly],
  // Bundled ESM has no require(); the CommonJS packages it imports are external and loaded by Node itself.
  banner: { js: "import { createRequire as __vigilCreateRequire } from 'node:module'; const require = __vigilCreateRequire(import.meta.url);" },
});
cpSync(here('../../infra/migrations/'), `${dist}migrations/`, { recursive: true });
cpSync(here('../../infra/kafka/topics.yaml'), `${dist}kafka/topics.yaml`);
cpSync(here('../../packages/api/src/dashboard/assets/'), `${dist}assets/`, { recursive: true });
writeFileSync(`${dist}meta.json`, JSON.stringify(result.metafile));
const sizes = Object.entries(result.metafile.outputs)
  .filter(([file]) => file.endsWith('.js'))
  .map(([file, out]) => `${file.split('/').pop()} ${(out.bytes / 1024).toFixed(0)} KiB`);
process.stdout.write(`built ${sizes.join(', ')}\n`);
