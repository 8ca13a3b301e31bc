import { readFileSync } from 'node:fs';
import { ConfigError } from '@vigil/runtime';
import { SOURCE_NAME } from '@vigil/schema';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const Name = z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, - and _, starting with a letter');
const RuleId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,127}$/, 'a rule id such as identity.mfa-removed');
const Criterion = z.string().regex(/^(CC\d+\.\d+|A1\.\d+|C1\.\d+|PI1\.\d+|P\d+\.\d+)$/, 'a SOC 2 criterion such as CC7.3 or A1.2');

/** The response duties a CUEC may hold Vigil to; `vendor-notification`: the vendor was told in time. */
export const CUEC_DUTIES = ['vendor-notification'] as const;

export const CuecEntry = z.strictObject({
  /** Short id, unique within the vendor, e.g. `CF-NOTIFY`. */
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ -'),
  /** The control as the vendor's SOC 2 report words it. */
  text: z.string().min(1).max(2000),
  /** The criteria the vendor maps it to. */
  criteria: z.array(Criterion).min(1),
  /** What evidences that the control operated. */
  monitors: z
    .strictObject({
      /** Rules whose incidents are the control's exceptions (built-in or your own). */
      rules: z.array(RuleId).default([]),
      /**
       * Whose incidents count for `rules`: those about these entity ids (e.g. the services behind the vendor's
       * zones); without it, those whose evidence came from the vendor's sources.
       */
      entities: z.array(z.string().min(1)).optional(),
      /** Sources whose silence (a `logging.source-silent` incident) is a period the control was not evidenced. */
      sources: z.array(z.string().regex(SOURCE_NAME)).default([]),
      /** Response duties: `vendor-notification`. */
      duties: z.array(z.enum(CUEC_DUTIES)).default([]),
    })
    .default({ rules: [], sources: [], duties: [] }),
});

export const VendorEntry = z.strictObject({
  /** The name people know, e.g. `Cloudflare`. */
  name: z.string().min(1).max(200),
  /** Which report the CUECs are taken from, e.g. `Cloudflare SOC 2 Type II, 2025-10-01 to 2026-09-30`. */
  report: z.string().max(500).optional(),
  /** The sources (sources file names) whose events are about this vendor's account. */
  sources: z.array(z.string().regex(SOURCE_NAME)).min(1),
  /** Telling the vendor of unauthorized use of the account: which incidents owe it, and how soon. */
  notify: z
    .strictObject({
      /** Incidents of these rules, with evidence from the vendor's sources, owe the vendor a notification. */
      rules: z.array(RuleId).min(1),
      /** Minutes after detection within which the vendor must be told. */
      withinMinutes: z.number().positive().max(7 * 24 * 60),
      /** How to reach them (shown with the reminder), e.g. a support URL or an address. */
      contact: z.string().max(500).optional(),
    })
    .optional(),
  cuecs: z.array(CuecEntry).min(1),
});

export const VendorsFile = z.strictObject({
  vendors: z.record(Name, VendorEntry),
});

export type CuecDefinition = z.infer<typeof CuecEntry>;
export type VendorEntry = z.infer<typeof VendorEntry>;

export interface VendorDefinition extends VendorEntry {
  /** The key in the file, e.g. `cloudflare`. */
  id: string;
}

export interface VendorsConfig {
  vendors: VendorDefinition[];
}

export const NO_VENDORS: VendorsConfig = { vendors: [] };

/** Validates a vendors YAML text; every error names the file, the vendor and the field. */
export function parseVendorsConfig(text: string, fileName: string): VendorsConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new ConfigError([`${fileName}: not valid YAML: ${(error as Error).message}`]);
  }
  const parsed = VendorsFile.safeParse(doc);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${fileName}: ${i.path.map(String).join('.') || '(root)'}: ${i.message}`));
  }
  const problems: string[] = [];
  const vendors = Object.entries(parsed.data.vendors).map(([id, entry]) => {
    const seen = new Set<string>();
    for (const [index, cuec] of entry.cuecs.entries()) {
      if (seen.has(cuec.id)) problems.push(`${fileName}: vendors.${id}.cuecs.${index}.id: ${cuec.id} is used twice`);
      seen.add(cuec.id);
      if (cuec.monitors.duties.includes('vendor-notification') && !entry.notify) {
        problems.push(`${fileName}: vendors.${id}.cuecs.${index}.monitors.duties: vendor-notification needs vendors.${id}.notify`);
      }
    }
    return { id, ...entry };
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return { vendors };
}

export function loadVendorsConfig(path: string | undefined): VendorsConfig {
  if (!path) return NO_VENDORS;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`${path}: cannot read the vendors file: ${(error as Error).message}`]);
  }
  return parseVendorsConfig(text, path);
}

/** The vendor whose sources an event id (`<source>:<id>`) came from. */
export function vendorOfEvent(config: VendorsConfig, eventId: string): VendorDefinition | undefined {
  const source = eventId.slice(0, eventId.indexOf(':'));
  return config.vendors.find((v) => v.sources.includes(source));
}
