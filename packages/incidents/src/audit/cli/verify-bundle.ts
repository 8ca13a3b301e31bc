// Usage: tsx packages/incidents/src/audit/cli/verify-bundle.ts ./evidence-2026-q1
// Offline. Exit 0: every file matches manifest.json; 1: a file is altered or missing (named); 2: no manifest.
import { verifyBundleCommand } from './verify-bundle-command';

process.exitCode = await verifyBundleCommand({
  argv: process.argv.slice(2),
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
