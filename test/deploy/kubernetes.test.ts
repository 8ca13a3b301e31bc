/**
 * deploy/kubernetes rendered as a cluster would get it (`kubectl kustomize`), then checked: the objects, their
 * probes and ports, and that every environment variable set is one the services' config schemas read.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AlerterEnv, ApiEnv, CommonEnv, DetectorEnv, IngestEnv } from '@vigil/pipeline';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

interface Probe {
  httpGet: { path: string; port: string };
}
interface Container {
  name: string;
  image: string;
  command: string[];
  env?: Array<{ name: string; value?: string }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  ports?: Array<{ name: string; containerPort: number }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
}
interface K8sObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec: {
    minAvailable?: number;
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>;
    ports?: Array<{ name: string; port: number; targetPort: string }>;
    template?: { spec: { containers: Container[]; terminationGracePeriodSeconds?: number; securityContext?: { runAsNonRoot?: boolean } } };
  };
}

let objects: K8sObject[];
const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
const named = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name.startsWith(name))!;

/** Every variable the services read: their config schemas, the secrets the example sources file names, and the SDKs' own. */
const schemaNames = new Set([CommonEnv, IngestEnv, DetectorEnv, AlerterEnv, ApiEnv].flatMap((schema) => Object.keys(schema.shape)));
const sourceSecrets = [...readFileSync(repo('config/sources.example.yaml'), 'utf8').matchAll(/secretEnv: ([A-Z0-9_]+)/g)].map((m) => m[1]!);
const known = (name: string) =>
  schemaNames.has(name) || sourceSecrets.includes(name) || /^(OTEL_|KAFKA_SSL|KAFKA_SASL_)/.test(name) || ['DETECTOR_ADMIN_PORT', 'ALERTER_ADMIN_PORT', 'ADMIN_HOST'].includes(name);

beforeAll(async () => {
  const { stdout } = await run('kubectl', ['kustomize', repo('deploy/kubernetes')]);
  objects = parseAllDocuments(stdout).map((doc) => doc.toJS() as K8sObject);
}, 60_000);

const services = { ingest: 'http', detector: 'admin', alerter: 'admin', api: 'http' } as const;

describe('deploy/kubernetes', () => {
  it('renders a Deployment and a Service per service, the detectors’ PodDisruptionBudget, the migration and topics Jobs, and the ConfigMaps', () => {
    expect(byKind('Deployment').map((o) => o.metadata.name).sort()).toEqual(['vigil-alerter', 'vigil-api', 'vigil-detector', 'vigil-ingest']);
    expect(byKind('Service').map((o) => o.metadata.name).sort()).toEqual(['vigil-alerter', 'vigil-api', 'vigil-detector', 'vigil-ingest']);
    expect(byKind('Job').map((o) => [o.metadata.name, o.spec.template!.spec.containers[0]!.command])).toEqual([
      ['vigil-migrate', ['node', 'dist/vigil.js', 'migrate']],
      ['vigil-topics', ['node', 'dist/vigil.js', 'topics', 'apply']],
    ]);
    const pdb = named('PodDisruptionBudget', 'vigil-detector');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.selector!.matchLabels).toMatchObject(named('Deployment', 'vigil-detector').spec.selector!.matchLabels!);
    expect(byKind('ConfigMap').map((o) => o.metadata.name.replace(/-[a-z0-9]{10}$/, '')).sort()).toEqual(['vigil-config', 'vigil-files']);
  });

  it.each(Object.entries(services))('%s: node dist/… with liveness /livez and readiness /readyz on its %s port, resources, drain time, non-root', (name, portName) => {
    const deployment = named('Deployment', `vigil-${name}`);
    const pod = deployment.spec.template!.spec;
    const [container] = pod.containers;
    expect(container!.command).toEqual(['node', `dist/${name}.js`]);
    expect(container!.ports!.map((p) => p.name)).toEqual([portName]);
    expect(container!.livenessProbe!.httpGet).toEqual({ path: '/livez', port: portName });
    expect(container!.readinessProbe!.httpGet).toEqual({ path: '/readyz', port: portName });
    expect(container!.resources!.requests).toHaveProperty('cpu');
    expect(container!.resources!.limits).toHaveProperty('memory');
    expect(pod.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(30_000);
    expect(pod.securityContext!.runAsNonRoot).toBe(true);
    expect(container!.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    // The port variable the service reads agrees with the declared port.
    const portVar = container!.env!.find((e) => /_PORT$/.test(e.name))!;
    expect(Number(portVar.value)).toBe(container!.ports![0]!.containerPort);
    // A port named `metrics` on its Service, for a ServiceMonitor.
    const service = named('Service', `vigil-${name}`);
    expect(service.spec.ports!.find((p) => p.name === 'metrics')?.targetPort).toBe(portName);
    expect(service.metadata.labels!['app.kubernetes.io/part-of']).toBe('vigil');
  });

  it('sets only variables the services read, and reads its secrets from the Secret the template defines', () => {
    const configMap = named('ConfigMap', 'vigil-config');
    const secret = parseAllDocuments(readFileSync(repo('deploy/kubernetes/secret.example.yaml'), 'utf8'))[0]!.toJS() as K8sObject;
    const names = [
      ...Object.keys(configMap.data!),
      ...Object.keys(secret.stringData!),
      ...byKind('Deployment').flatMap((d) => d.spec.template!.spec.containers.flatMap((c) => (c.env ?? []).map((e) => e.name))),
    ];
    expect(names.filter((name) => !known(name))).toEqual([]);
    for (const source of sourceSecrets) expect(Object.keys(secret.stringData!)).toContain(source);
    for (const workload of [...byKind('Deployment'), ...byKind('Job')]) {
      const refs = workload.spec.template!.spec.containers[0]!.envFrom!;
      expect(refs.map((r) => r.secretRef?.name ?? r.configMapRef?.name.replace(/-[a-z0-9]{10}$/, ''))).toEqual(['vigil-config', secret.metadata.name]);
    }
  });

  it('ships the example configuration files as they are in config/', () => {
    for (const file of ['sources', 'owners', 'services']) {
      expect(readFileSync(repo(`deploy/kubernetes/files/${file}.yaml`), 'utf8')).toBe(readFileSync(repo(`config/${file}.example.yaml`), 'utf8'));
    }
  });
});
