// Writes config/schemas/<kind>.schema.json from the zod schemas (pnpm schemas). See src/config-schemas.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { CONFIG_FILES, schemaText, type ConfigFileKind } from './src/config-schemas';

const dir = new URL('../../config/schemas/', import.meta.url);
mkdirSync(dir, { recursive: true });
for (const kind of Object.keys(CONFIG_FILES) as ConfigFileKind[]) {
  writeFileSync(new URL(`${kind}.schema.json`, dir), schemaText(kind));
  process.stdout.write(`config/schemas/${kind}.schema.json\n`);
}
