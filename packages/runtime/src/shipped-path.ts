import { existsSync } from 'node:fs';

/**
 * A file or directory that ships with Vigil (migrations, topics file, dashboard assets), found from the
 * module that needs it: next to the built bundle (`dist/`, where the build copies it: `bundled`, relative
 * to `moduleUrl`), else at its place in the repository when running from source (`inRepo`, relative too).
 */
export function shippedPath(moduleUrl: string, bundled: string, inRepo: string): URL {
  const next = new URL(bundled, moduleUrl);
  return existsSync(next) ? next : new URL(inRepo, moduleUrl);
}
