import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { shippedPath } from './shipped-path';

describe('shippedPath', () => {
  it('prefers the copy next to the bundle, else the repository path', () => {
    const root = mkdtempSync(join(tmpdir(), 'vigil-shipped-'));
    mkdirSync(join(root, 'dist'));
    const bundle = pathToFileURL(join(root, 'dist', 'vigil.js')).href;
    expect(shippedPath(bundle, './migrations/', '../infra/migrations/').pathname).toBe(`${root}/infra/migrations/`);
    mkdirSync(join(root, 'dist', 'migrations'));
    expect(shippedPath(bundle, './migrations/', '../infra/migrations/').pathname).toBe(`${root}/dist/migrations/`);
  });
});
