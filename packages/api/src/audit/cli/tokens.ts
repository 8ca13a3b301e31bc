// Usage: DATABASE_URL=postgres://… tsx packages/api/src/audit/cli/tokens.ts create --name jane-auditor --role auditor
//        … tokens.ts revoke --name jane-auditor
//        … tokens.ts list
// Exit 0: done; 1: refused (name taken, no such token, already revoked); 2: could not run.
import { tokensCommand } from './tokens-command';

process.exitCode = await tokensCommand({
  argv: process.argv.slice(2),
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
