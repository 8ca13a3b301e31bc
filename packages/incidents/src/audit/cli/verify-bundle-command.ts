import { errorMessage } from '@vigil/runtime';
import { BundleUnreadableError, MANIFEST_FILE, verifyEvidenceBundle } from '../evidence-bundle';

export const USAGE = `usage: verify-bundle <bundle directory>
  Checks every file listed in ${MANIFEST_FILE} against its SHA-256 and size, offline.
  Exit 0: every file matches; 1: a file is altered or missing (each is named); 2: no manifest to check.`;

export interface VerifyBundleCommandOptions {
  argv: string[];
  out: (line: string) => void;
  err: (line: string) => void;
}

export const EXIT = { ok: 0, altered: 1, failed: 2 } as const;

/** `verify-bundle DIR`. Returns the exit code; never throws. Needs no database and no network. */
export async function verifyBundleCommand(options: VerifyBundleCommandOptions): Promise<number> {
  const [dir, ...rest] = options.argv;
  if (!dir || rest.length > 0 || dir.startsWith('-')) {
    options.err(USAGE);
    return EXIT.failed;
  }
  try {
    const check = await verifyEvidenceBundle(dir);
    const { manifest } = check;
    for (const problem of check.problems) {
      options.err(
        `${problem.problem === 'missing' ? 'MISSING' : 'ALTERED'} ${problem.file}: ${problem.problem}`,
      );
    }
    for (const name of check.unlisted) options.err(`not in the manifest, not checked: ${name}`);
    if (!check.ok) {
      options.err(
        `bundle NOT intact: ${check.problems.length} of ${manifest.files.length} files do not match ${MANIFEST_FILE}`,
      );
      return EXIT.altered;
    }
    options.out(`bundle ok: ${manifest.files.length} files match ${MANIFEST_FILE}`);
    options.out(`manifest sha256: ${check.manifestSha256}`);
    options.out(
      `period: [${manifest.period.from}, ${manifest.period.to}), generated ${manifest.generatedAt}`,
    );
    options.out(`population: ${manifest.population.incidents} incidents`);
    options.out(
      manifest.chain.ok
        ? `chain head: ${manifest.chain.head} (${manifest.chain.entries} entries)`
        : `chain: BROKEN at entry ${manifest.chain.firstBrokenId} when exported: ${manifest.chain.reason}`,
    );
    return EXIT.ok;
  } catch (error) {
    options.err(
      error instanceof BundleUnreadableError ? error.message : `could not verify: ${errorMessage(error)}`,
    );
    return EXIT.failed;
  }
}
