import { main, USAGE } from '../../../../../tools/verify-bundle.mjs';

export { USAGE };

export interface VerifyBundleCommandOptions {
  argv: string[];
  out: (line: string) => void;
  err: (line: string) => void;
}

export const EXIT = { ok: 0, altered: 1, failed: 2 } as const;

/**
 * `verify-bundle DIR --public-key PEM [--kept FILE]`: the stand-alone verifier (tools/verify-bundle.mjs)
 * itself, so that `pnpm verify-bundle` and what an auditor runs without Vigil's code are one program.
 */
export async function verifyBundleCommand(options: VerifyBundleCommandOptions): Promise<number> {
  return main(options.argv, options.out, options.err);
}
