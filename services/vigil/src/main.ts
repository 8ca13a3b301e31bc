#!/usr/bin/env node
// The `vigil` command line (`pnpm vigil <command>` in the repository, `vigil` in the image). See `vigil --help`.
import { runCli } from './commands';

const status = await runCli(process.argv.slice(2), process.env, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
if (status !== undefined) process.exitCode = status;
