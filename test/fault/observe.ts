import type pg from 'pg';
import type { FaultCluster } from './fault-cluster';
import { groupLag, readWholeTopic } from './topic-reader';
import type { Workload } from './workload';

/** What a user sees after the faults, against what the workload says they must see. */
export interface FaultReport {
  expectedIncidents: number;
  /** Attackers without a brute-force incident. */
  missing: string[];
  /** Attackers with more than one. */
  duplicated: string[];
  /** Incidents no attacker explains (pipeline incidents are listed apart). */
  unexpected: string[];
  pipelineIncidents: string[];
  /** Failed sign-ins of attackers missing from their incident's evidence. */
  lostEvents: string[];
  /** Incidents without a top-level Slack post, and with more than one. */
  unposted: number[];
  postedTwice: number[];
  /** Successful chat.postMessage calls identical to an earlier one (same channel, thread, text). */
  repeatedPosts: number;
  /** Notifications of the register not sent. */
  unsent: number;
  /** Ids of the poison items not on the events dead-letter topic; dead letters that are not poison. */
  missingDeadLetters: string[];
  unexpectedDeadLetters: string[];
  /** Poison items sent, by what is wrong with them. */
  poisonSent: Record<string, number>;
  /** Slack calls the stand-in answered 500 and 429 (scripted faults). */
  slackFailures: { status500: number; status429: number };
  lag: { detector: number; alerter: number };
}

interface IncidentRow {
  id: string;
  seq: string;
  rule_id: string;
  entity_id: string;
}

export async function observe(
  cluster: FaultCluster,
  pool: pg.Pool,
  kafkaBrokers: string[],
  workload: Workload,
): Promise<FaultReport> {
  const { rows: incidents } = await pool.query<IncidentRow>(
    'SELECT id, seq, rule_id, entity_id FROM incidents ORDER BY seq',
  );
  const { rows: evidence } = await pool.query<{ incident_id: string; event_id: string }>(
    'SELECT incident_id, event_id FROM incident_evidence',
  );
  const { rows: unsent } = await pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM notifications WHERE status <> 'sent'",
  );

  const bruteForce = incidents.filter((row) => row.rule_id === 'identity.brute-force');
  const byUser = new Map<string, IncidentRow[]>();
  for (const row of bruteForce) byUser.set(row.entity_id, [...(byUser.get(row.entity_id) ?? []), row]);
  const attackers = new Set(workload.attackers);
  const evidenceOf = new Map<string, Set<string>>();
  for (const row of evidence)
    evidenceOf.set(row.incident_id, (evidenceOf.get(row.incident_id) ?? new Set()).add(row.event_id));
  const lostEvents = workload.attackers.flatMap((user) => {
    const held = new Set((byUser.get(user) ?? []).flatMap((row) => [...(evidenceOf.get(row.id) ?? [])]));
    return (workload.attackEvents.get(user) ?? []).filter((id) => !held.has(id));
  });

  const posts = cluster.slack.callsTo('chat.postMessage').filter((call) => call.ok);
  const topLevel = posts.filter((call) => call.args.thread_ts === undefined);
  const postsOf = (seq: string) =>
    topLevel.filter((call) => new RegExp(`\\bINC-${seq}\\b`).test(String(call.args.text))).length;
  const seen = new Set<string>();
  let repeatedPosts = 0;
  for (const call of posts) {
    const key = JSON.stringify([call.args.channel, call.args.thread_ts, call.args.text]);
    if (seen.has(key)) repeatedPosts += 1;
    seen.add(key);
  }

  const letters = await readWholeTopic(kafkaBrokers, cluster.topics.eventsDlq, `${cluster.uid}-dlq-reader`);
  const detectionLetters = await readWholeTopic(
    kafkaBrokers,
    cluster.topics.detectionsDlq,
    `${cluster.uid}-ddlq-reader`,
  );
  const poisonOf = (text: string) => workload.poison.find((item) => text.includes(item.id))?.id;
  const unexpectedDeadLetters = [...letters, ...detectionLetters]
    .filter((letter) => !poisonOf(letter.value))
    .map((letter) => letter.value.slice(0, 300));
  const found = new Set(letters.map((letter) => poisonOf(letter.value)));
  const poisonSent: Record<string, number> = {};
  for (const item of workload.poison) {
    const kind = item.id.slice(item.id.lastIndexOf('-') + 1);
    poisonSent[kind] = (poisonSent[kind] ?? 0) + 1;
  }
  const answered = (status: number) => cluster.slack.calls.filter((call) => call.status === status).length;

  return {
    expectedIncidents: workload.attackers.length,
    missing: workload.attackers.filter((user) => !byUser.has(user)),
    duplicated: workload.attackers.filter((user) => (byUser.get(user)?.length ?? 0) > 1),
    unexpected: bruteForce
      .filter((row) => !attackers.has(row.entity_id))
      .map((row) => `${row.rule_id} ${row.entity_id}`)
      .concat(
        incidents
          .filter((row) => row.rule_id !== 'identity.brute-force' && !row.rule_id.startsWith('pipeline.'))
          .map((row) => `${row.rule_id} ${row.entity_id}`),
      ),
    pipelineIncidents: incidents
      .filter((row) => row.rule_id.startsWith('pipeline.'))
      .map((row) => row.rule_id),
    lostEvents,
    unposted: incidents.filter((row) => postsOf(row.seq) === 0).map((row) => Number(row.seq)),
    postedTwice: incidents.filter((row) => postsOf(row.seq) > 1).map((row) => Number(row.seq)),
    repeatedPosts,
    unsent: unsent[0]?.n ?? 0,
    missingDeadLetters: workload.poison.map((item) => item.id).filter((id) => !found.has(id)),
    unexpectedDeadLetters,
    poisonSent,
    slackFailures: { status500: answered(500), status429: answered(429) },
    lag: {
      detector: await groupLag(
        kafkaBrokers,
        `${cluster.uid}-detector`,
        cluster.topics.events,
        `${cluster.uid}-lag`,
      ),
      alerter: await groupLag(
        kafkaBrokers,
        `${cluster.uid}-alerter`,
        cluster.topics.detections,
        `${cluster.uid}-lag`,
      ),
    },
  };
}

/** Pipeline incidents by rule: how many were expected (a rule listed twice, two) and how many were raised. */
function pipelineCounts(report: FaultReport, expected: readonly string[]): Array<[string, number, number]> {
  const count = (list: readonly string[], rule: string) => list.filter((r) => r === rule).length;
  const rules = [...new Set([...expected, ...report.pipelineIncidents])].sort();
  return rules.map((rule) => [rule, count(expected, rule), count(report.pipelineIncidents, rule)]);
}

/**
 * True when the report is what a user must see: nothing lost, repeated, unexpected or stalled, and the
 * pipeline incidents of `expectedPipeline` (one per injected fault that has a rule), no other.
 */
export function isClean(report: FaultReport, expectedPipeline: readonly string[]): boolean {
  return (
    pipelineCounts(report, expectedPipeline).every(([, expected, observed]) => expected === observed) &&
    report.missing.length + report.duplicated.length + report.unexpected.length + report.lostEvents.length ===
      0 &&
    report.unposted.length + report.postedTwice.length + report.repeatedPosts + report.unsent === 0 &&
    report.missingDeadLetters.length + report.unexpectedDeadLetters.length === 0 &&
    report.lag.detector + report.lag.alerter === 0
  );
}

/** Expected against observed, one line a figure, for the test log and `pnpm fault`. */
export function formatReport(
  report: FaultReport,
  faults: string[],
  expectedPipeline: readonly string[],
): string {
  const poison = Object.entries(report.poisonSent);
  const poisonTotal = poison.reduce((sum, [, n]) => sum + n, 0);
  const rows: Array<[string, string, string]> = [
    [
      'incidents (brute force)',
      String(report.expectedIncidents),
      String(report.expectedIncidents - report.missing.length),
    ],
    ['incidents missing', '0', String(report.missing.length)],
    ['incidents duplicated', '0', String(report.duplicated.length)],
    ['incidents unexpected', '0', String(report.unexpected.length)],
    ['attack events lost from evidence', '0', String(report.lostEvents.length)],
    ['incidents without a Slack post', '0', String(report.unposted.length)],
    ['incidents posted more than once', '0', String(report.postedTwice.length)],
    ['Slack posts repeated', '0', String(report.repeatedPosts)],
    ['notifications not sent', '0', String(report.unsent)],
    [
      `poison items dead-lettered (${poison.map(([kind, n]) => `${kind} ${n}`).join(', ')})`,
      String(poisonTotal),
      String(poisonTotal - report.missingDeadLetters.length),
    ],
    ['poison items not dead-lettered', '0', String(report.missingDeadLetters.length)],
    ['dead letters that are not poison', '0', String(report.unexpectedDeadLetters.length)],
    ['detector lag at the end', '0', String(report.lag.detector)],
    ['alerter lag at the end', '0', String(report.lag.alerter)],
    ...pipelineCounts(report, expectedPipeline).map(
      ([rule, expected, observed]): [string, string, string] => [
        `pipeline incidents ${rule}`,
        String(expected),
        String(observed),
      ],
    ),
  ];
  const width = Math.max(...rows.map((row) => row[0].length));
  return [
    `faults injected: ${faults.length === 0 ? 'none' : faults.join(', ')}`,
    `Slack answered 500: ${report.slackFailures.status500} calls, 429: ${report.slackFailures.status429} calls`,
    `${'figure'.padEnd(width)}  expected  observed`,
    ...rows.map(
      ([name, expected, observed]) =>
        `${name.padEnd(width)}  ${expected.padStart(8)}  ${observed.padStart(8)}`,
    ),
  ].join('\n');
}

/**
 * Waits until the pipeline has done all it will: every attacker has an incident, the register has no
 * unsent notification, each incident has a Slack post, both groups have committed everything. Then 2 s
 * longer, so a late duplicate (a redelivery, a re-run job) has time to show itself.
 */
export async function waitUntilSettled(
  cluster: FaultCluster,
  pool: pg.Pool,
  kafkaBrokers: string[],
  workload: Workload,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const { rows } = await pool.query<{ users: number; unsent: number; incidents: number }>(
        `SELECT (SELECT count(DISTINCT entity_id)::int FROM incidents WHERE rule_id = 'identity.brute-force' AND entity_id = ANY($1)) AS users,
                (SELECT count(*)::int FROM notifications WHERE status <> 'sent') AS unsent,
                (SELECT count(*)::int FROM incidents) AS incidents`,
        [workload.attackers],
      );
      const state = rows[0]!;
      const posted = cluster.slack
        .callsTo('chat.postMessage')
        .filter((call) => call.ok && call.args.thread_ts === undefined).length;
      const detector = await groupLag(
        kafkaBrokers,
        `${cluster.uid}-detector`,
        cluster.topics.events,
        `${cluster.uid}-lag`,
      );
      const alerter = await groupLag(
        kafkaBrokers,
        `${cluster.uid}-alerter`,
        cluster.topics.detections,
        `${cluster.uid}-lag`,
      );
      last = `attackers with an incident ${state.users}/${workload.attackers.length}, unsent ${state.unsent}, posts ${posted}/${state.incidents}, lag ${detector}/${alerter}`;
      if (
        state.users === workload.attackers.length &&
        state.unsent === 0 &&
        posted >= state.incidents &&
        detector === 0 &&
        alerter === 0
      )
        break;
    } catch (error) {
      last = `not readable: ${String(error)}`;
    }
    if (Date.now() > deadline) throw new Error(`the pipeline did not settle within ${timeoutMs} ms: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await new Promise((resolve) => setTimeout(resolve, 2_000));
}

/** Each service's runs, in seconds from `t0`: when it started, when and how it ended. */
export function timeline(cluster: FaultCluster, t0: number): string {
  const at = (ms: number | undefined) => (ms === undefined ? '…' : ((ms - t0) / 1000).toFixed(1));
  return Object.values(cluster.services)
    .map(
      (service) =>
        `${service.name}: ${service.runs.map((run) => `[${at(run.startedAt)} up ${at(run.readyAt)}–${at(run.endedAt)}${run.faultPoint ? ` ${run.faultPoint}` : ''}]`).join(' ')}`,
    )
    .join('\n');
}
