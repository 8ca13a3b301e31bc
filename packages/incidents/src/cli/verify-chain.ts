// Usage: DATABASE_URL=postgres://… tsx packages/incidents/src/cli/verify-chain.ts
// Exit 0: the chain is intact; 1: it is broken (the first broken entry is printed); 2: it could not be checked.
import { verifyChainCommand } from './verify-chain-command';

process.exitCode = await verifyChainCommand({
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
