import { randomBytes } from 'node:crypto';

/**
 * `vigil demo`: the README's first run. Posts a burst of failed sign-ins and a short outage of `checkout` to
 * ingest, then asks the API until both incidents are there. Every run uses fresh event ids (so it is never a
 * replay of the last run) and event times just before now and after the previous run's (so nothing is late):
 * run it as often as you like.
 */

export const DEMO_HELP = `Usage: vigil demo [--ingest URL] [--api URL] [--probes-token T] [--api-token T] [--timeout-seconds N]

Posts 6 failed sign-ins for a new user (mallory+<run>@example.com) and 4 checks of the service checkout
(3 failed, then 1 succeeded, a second apart) to POST <ingest>/v1/events/probes, then polls
GET <api>/v1/incidents until this run's identity.brute-force incident and the checkout
availability.service-down incident (resolved, with this run's checks as evidence) are both there, and prints
them. Defaults: ingest http://localhost:8080, api http://localhost:8081, the tokens of config/dev.env
(VIGIL_PROBES_TOKEN, and dev-api-token), 30 s. Exit 0: both incidents found; 1: not within the time; 2: could
not post.`;

const FAILED_SIGN_INS = 6;
/** Seconds between the demo's checks: the outage lasts 3 of them. */
const CHECK_SPACING_MS = 1_000;
const CHECKS: ReadonlyArray<'failure' | 'success'> = ['failure', 'failure', 'failure', 'success'];

interface Io {
  out(line: string): void;
  err(line: string): void;
}

interface Options {
  ingest: string;
  api: string;
  probesToken: string;
  apiToken: string;
  timeoutMs: number;
}

interface IncidentSummary {
  id: string;
  seq: number;
  ruleId: string;
  status: string;
  title: string;
  criteria: string[];
  entity: { type: string; id: string };
  downtimeSeconds: number | null;
}

interface IncidentDetail extends IncidentSummary {
  evidence: Array<{ eventId: string }>;
}

function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options | string {
  const options: Options = {
    ingest: 'http://localhost:8080',
    api: 'http://localhost:8081',
    probesToken: env.VIGIL_PROBES_TOKEN ?? 'dev-probes-token-change-me',
    apiToken: env.VIGIL_API_TOKEN ?? 'dev-api-token',
    timeoutMs: 30_000,
  };
  const args = [...argv];
  while (args.length > 0) {
    const flag = args.shift();
    const value = args.shift();
    if (value === undefined) return `${flag} needs a value`;
    if (flag === '--ingest') options.ingest = value.replace(/\/+$/, '');
    else if (flag === '--api') options.api = value.replace(/\/+$/, '');
    else if (flag === '--probes-token') options.probesToken = value;
    else if (flag === '--api-token') options.apiToken = value;
    else if (flag === '--timeout-seconds' && Number(value) > 0) options.timeoutMs = Number(value) * 1000;
    else return `unexpected ${flag} ${value}`;
  }
  return options;
}

/** The events of one run, stamped in the last few seconds. */
export function demoEvents(run: string, nowMs: number): { user: string; events: unknown[]; checkIds: string[] } {
  const user = `mallory+${run}@example.com`;
  const iso = (ms: number) => new Date(ms).toISOString();
  const signIns = Array.from({ length: FAILED_SIGN_INS }, (_, i) => ({
    id: `demo-${run}-login-${i}`,
    kind: 'authentication',
    action: 'login',
    time: iso(nowMs - (FAILED_SIGN_INS - i) * 500),
    entity: { type: 'user', id: user },
    outcome: 'failure',
    actor: { ip: '203.0.113.9' },
  }));
  const checks = CHECKS.map((outcome, i) => ({
    id: `demo-${run}-check-${i}`,
    kind: 'uptime_check',
    action: 'http',
    time: iso(nowMs - (CHECKS.length - i) * CHECK_SPACING_MS),
    entity: { type: 'service', id: 'checkout' },
    outcome,
  }));
  return { user, events: [...signIns, ...checks], checkIds: checks.map((c) => c.id) };
}

export async function demoCommand(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const options = parseOptions(argv, env);
  if (typeof options === 'string') {
    io.err(`vigil demo: ${options}\n\n${DEMO_HELP}`);
    return 2;
  }
  const run = randomBytes(3).toString('hex');
  const startedAt = Date.now();
  const { user, events, checkIds } = demoEvents(run, startedAt);
  let posted: Response;
  try {
    posted = await fetch(`${options.ingest}/v1/events/probes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.probesToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
  } catch (error) {
    io.err(`vigil demo: ingest at ${options.ingest} does not answer (${(error as Error).message}); is \`pnpm start\` running?`);
    return 2;
  }
  if (posted.status !== 202) {
    io.err(`vigil demo: ingest answered ${posted.status}: ${await posted.text()}`);
    return 2;
  }
  io.out(`run ${run}: posted ${FAILED_SIGN_INS} failed sign-ins for ${user} and ${CHECKS.length} checks of checkout (3 failed)`);
  io.out(`waiting for both incidents (GET ${options.api}/v1/incidents) …`);

  const found = await waitForIncidents(options, user, checkIds);
  // The next run's checks must come after this run's, or they would be late for checkout's state.
  const settle = startedAt + CHECKS.length * CHECK_SPACING_MS - Date.now();
  if (settle > 0) await new Promise((resolve) => setTimeout(resolve, settle));
  if (!found.bruteForce || !found.outage) {
    io.err(
      `vigil demo: within ${options.timeoutMs / 1000} s the API showed ${found.bruteForce ? '' : `no brute-force incident for ${user}`}` +
        `${!found.bruteForce && !found.outage ? ' and ' : ''}${found.outage ? '' : 'no resolved checkout outage with this run’s checks'}; ` +
        'see the service log',
    );
    return 1;
  }
  for (const incident of [found.bruteForce, found.outage]) {
    const downtime = incident.downtimeSeconds === null ? '' : `, downtime ${incident.downtimeSeconds} s`;
    io.out(
      `INC-${incident.seq}  ${incident.ruleId}  ${incident.criteria.join(', ')}  ${incident.status}${downtime}  ${incident.title}`,
    );
    io.out(`        ${options.api}/dashboard/incidents/${incident.id}`);
  }
  return 0;
}

async function waitForIncidents(
  options: Options,
  user: string,
  checkIds: string[],
): Promise<{ bruteForce?: IncidentSummary; outage?: IncidentDetail }> {
  const headers = { authorization: `Bearer ${options.apiToken}` };
  const get = async <T>(path: string): Promise<T | undefined> => {
    try {
      const response = await fetch(`${options.api}${path}`, { headers });
      return response.ok ? ((await response.json()) as T) : undefined;
    } catch {
      return undefined;
    }
  };
  const since = new Date(Date.now() - 60_000).toISOString();
  const deadline = Date.now() + options.timeoutMs;
  let found: { bruteForce?: IncidentSummary; outage?: IncidentDetail } = {};
  while (Date.now() < deadline) {
    const page = await get<{ incidents: IncidentSummary[] }>(`/v1/incidents?from=${encodeURIComponent(since)}&limit=500`);
    const incidents = page?.incidents ?? [];
    const bruteForce = incidents.find((i) => i.ruleId === 'identity.brute-force' && i.entity.id === user);
    let outage: IncidentDetail | undefined;
    for (const candidate of incidents.filter((i) => i.ruleId === 'availability.service-down' && i.entity.id === 'checkout')) {
      const detail = await get<{ incident: IncidentDetail }>(`/v1/incidents/${candidate.id}`);
      const mine = detail?.incident.evidence.some((e) => checkIds.some((id) => e.eventId.endsWith(id)));
      if (detail && mine && detail.incident.status === 'resolved') outage = detail.incident;
    }
    found = { ...(bruteForce ? { bruteForce } : {}), ...(outage ? { outage } : {}) };
    if (bruteForce && outage) return found;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return found;
}
