import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { connectRegister } from '@vigil/incidents';
import {
  ConfigError,
  errorMessage,
  parseEnv,
  systemClock,
  type Clock,
  ValidationError,
} from '@vigil/runtime';
import { issueApiToken, listApiTokens, revokeApiToken, TokenNameTakenError } from '../api-token-store';

export const USAGE = `usage: tokens create --name <name> --role viewer|responder|admin|auditor [--by <who>]
       tokens revoke --name <name> [--by <who>]
       tokens list
  create prints the new token once, on stdout; only its SHA-256 is stored. A revoked token is refused by
  every API process within a round trip. Names are never reused. DATABASE_URL names the register.
  --by is recorded as created_by / revoked_by, as cli:<who> (default: the OS user).
  Exit 0: done; 1: refused (name taken, no such token, already revoked); 2: could not run.`;

export const TokensConfig = z.object({
  /** The register's database, which holds api_tokens. */
  DATABASE_URL: z.string({ error: 'required: the connection string of the incident register' }).min(1),
});

export interface TokensCommandOptions {
  argv: string[];
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
  clock?: Clock;
}

export const EXIT = { ok: 0, refused: 1, failed: 2 } as const;

type TokensRequest =
  | { command: 'create'; name: string; role: string; by: string }
  | { command: 'revoke'; name: string; by: string }
  | { command: 'list' };

/** `tokens create | revoke | list`. Returns the exit code; never throws. */
export async function tokensCommand(options: TokensCommandOptions): Promise<number> {
  let request: TokensRequest;
  let config: z.infer<typeof TokensConfig>;
  try {
    request = parseRequest(options.argv);
    config = parseEnv(TokensConfig, options.env);
  } catch (error) {
    options.err(errorMessage(error));
    if (!(error instanceof ConfigError)) options.err(USAGE);
    return EXIT.failed;
  }

  const now = new Date((options.clock ?? systemClock).now());
  const pool = connectRegister(config.DATABASE_URL, 1);
  try {
    switch (request.command) {
      case 'create': {
        const { token, stored } = await issueApiToken(pool, {
          name: request.name,
          role: request.role,
          createdBy: request.by,
          now,
        });
        options.out(token);
        options.err(`token ${stored.name} (${stored.role}) created; it is shown this once, keep it now`);
        return EXIT.ok;
      }
      case 'revoke': {
        const outcome = await revokeApiToken(pool, { name: request.name, revokedBy: request.by, now });
        if (outcome === 'revoked') {
          options.out(`token ${request.name} revoked`);
          return EXIT.ok;
        }
        options.err(
          outcome === 'not-found'
            ? `no token named ${request.name}`
            : `token ${request.name} was already revoked`,
        );
        return EXIT.refused;
      }
      case 'list': {
        const tokens = await listApiTokens(pool);
        options.out(['name', 'role', 'created_at', 'created_by', 'revoked_at', 'revoked_by'].join('\t'));
        for (const token of tokens) {
          options.out(
            [
              token.name,
              token.role,
              token.createdAt,
              token.createdBy,
              token.revokedAt ?? '-',
              token.revokedBy ?? '-',
            ].join('\t'),
          );
        }
        return EXIT.ok;
      }
    }
  } catch (error) {
    if (error instanceof TokenNameTakenError) {
      options.err(error.message);
      return EXIT.refused;
    }
    if (error instanceof ValidationError) {
      options.err(
        `${error.message}: ${error.details.map((detail) => `--${detail.path} ${detail.message}`).join('; ')}`,
      );
      return EXIT.failed;
    }
    // A connection error names host and port, never the password.
    options.err(`could not ${request.command} tokens: ${errorMessage(error)}`);
    return EXIT.failed;
  } finally {
    await pool.end();
  }
}

function parseRequest(argv: string[]): TokensRequest {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { name: { type: 'string' }, role: { type: 'string' }, by: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const by = `cli:${values.by ?? osUser()}`;
  const need = (flag: 'name' | 'role'): string => {
    const value = values[flag];
    if (!value) throw new Error(`${command} needs --${flag}`);
    return value;
  };
  switch (command) {
    case 'create':
      return { command, name: need('name'), role: need('role'), by };
    case 'revoke':
      if (values.role) throw new Error('revoke takes no --role');
      return { command, name: need('name'), by };
    case 'list':
      if (values.name || values.role) throw new Error('list takes no options');
      return { command };
    default:
      throw new Error(command ? `unknown command ${command}` : 'no command given');
  }
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
