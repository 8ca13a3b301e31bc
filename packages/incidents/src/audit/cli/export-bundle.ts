// Usage: DATABASE_URL=postgres://… tsx packages/incidents/src/audit/cli/export-bundle.ts \
//          --from 2026-01-01T00:00:00Z --to 2026-04-01T00:00:00Z --out ./evidence-2026-q1 \
//          [--sample-seed Q1-2026 [--sample-size 10]]
// Exit 0: written, register intact; 1: written, but numbers are missing or the chain is broken; 2: not written.
import { exportBundleCommand } from './export-bundle-command';

process.exitCode = await exportBundleCommand({
  argv: process.argv.slice(2),
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
