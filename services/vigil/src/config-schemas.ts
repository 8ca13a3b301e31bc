import { ServicesFile, VendorsFile } from '@vigil/incidents';
import { OwnersConfig } from '@vigil/notify';
import { RuleOverrides } from '@vigil/rules';
import { ProberFile, SourcesFile } from '@vigil/sources';
import { z } from 'zod';

/**
 * JSON Schemas of the YAML files operators write, generated from the same zod schemas that validate them at
 * start-up (`z.toJSONSchema`, input side: what may be written, defaults optional). `pnpm schemas` writes them
 * to config/schemas/; a test fails when they are out of date. Checks zod cannot express in JSON Schema
 * (refinements such as unique names) still run at start-up and in `vigil config validate`.
 */
export const CONFIG_FILES = {
  sources: { schema: SourcesFile, title: 'Vigil sources file (SOURCES_FILE)' },
  owners: { schema: OwnersConfig, title: 'Vigil owners file (OWNERS_FILE)' },
  services: { schema: ServicesFile, title: 'Vigil services file (SERVICES_FILE)' },
  rules: { schema: z.strictObject({ rules: RuleOverrides }), title: 'Vigil rules overrides file (RULES_FILE)' },
  prober: { schema: ProberFile, title: 'Vigil prober file (PROBER_FILE)' },
  vendors: { schema: VendorsFile, title: 'Vigil vendors file (VENDORS_FILE)' },
} as const;

export type ConfigFileKind = keyof typeof CONFIG_FILES;

export function configJsonSchema(kind: ConfigFileKind): Record<string, unknown> {
  const { schema, title } = CONFIG_FILES[kind];
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { $schema: json.$schema, title, ...json };
}

export const schemaText = (kind: ConfigFileKind): string => `${JSON.stringify(configJsonSchema(kind), null, 2)}\n`;
