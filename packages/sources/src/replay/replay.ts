// Usage: tsx packages/sources/src/replay/replay.ts --source <name> --format <format> --file <path> (or `pnpm vigil replay ...`)
import { replayCli } from './replay-cli';

process.exitCode = await replayCli(process.argv.slice(2), process.env, {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
