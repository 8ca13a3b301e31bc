import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseServicesConfig, type ServicesConfig } from '@vigil/incidents';
import { ConfigError } from '@vigil/runtime';

/**
 * The services file (`SERVICES_FILE`, see config/services.example.yaml): each service's availability commitment
 * and optional SLO. Read once at start-up; every error names the file, the service and the field.
 */
export function loadServicesFile(path: string): ServicesConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`${path}: cannot read the services file: ${(error as Error).message}`]);
  }
  return parseServicesText(text, path);
}

/** The same from a YAML text, for a file already read. */
export function parseServicesText(text: string, sourceName: string): ServicesConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new ConfigError([`${sourceName}: not valid YAML: ${(error as Error).message}`]);
  }
  return parseServicesConfig(doc, sourceName);
}
