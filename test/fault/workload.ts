import { PROBES_TOKEN } from './fault-cluster';

/** A generic event as a sender posts it (before ingest normalises it). */
export interface SentEvent {
  id: string;
  kind: string;
  action: string;
  time: string;
  entity: { type: string; id: string };
  outcome: string;
  actor: { user: string; ip: string };
}

/** What a run sends and what a user must then see. */
export interface Workload {
  /** Valid events, in sending order. */
  events: SentEvent[];
  /**
   * Users with 7 failed sign-ins within minutes: exactly one brute-force incident each, opened at the
   * fifth; the sixth and seventh are the burst's later events, added to it (their replay markers are
   * what `detector.after-release` crashes after releasing).
   */
  attackers: string[];
  /** Event ids of each attacker's failures (the incident's evidence must hold them). */
  attackEvents: Map<string, string[]>;
  /** Items ingest must refuse with a 400 and keep on the dead-letter topic, by the id they carry. */
  poison: Array<{ id: string; body: string }>;
}

const FAILURES_PER_ATTACKER = 7;

/** One address per user: failures of many users from one address would be a password spray, another incident. */
function addressOf(user: string): string {
  let hash = 0;
  for (const char of user) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `10.${(hash >>> 16) & 255}.${(hash >>> 8) & 255}.${hash & 255}`;
}

function signIn(id: string, user: string, outcome: 'failure' | 'success', secondsAgo: number): SentEvent {
  return {
    id,
    kind: 'authentication',
    action: 'login',
    time: new Date(Date.now() - secondsAgo * 1000).toISOString(),
    entity: { type: 'user', id: user },
    outcome,
    actor: { user, ip: addressOf(user) },
  };
}

/**
 * `attackers` users who cross the brute-force threshold (5 failures) and go on (7 in all), and as many
 * who stay below it (3 failures, then successes), interleaved; and the poison items of issue 9 (NUL, lone surrogate, deep
 * nesting, a time past year 275,000), each alone in its request. `tag` keeps ids apart between rounds.
 */
export function buildWorkload(tag: string, attackers: number): Workload {
  const users = Array.from({ length: attackers }, (_, i) => `${tag}-att${i}@example.com`);
  const quiet = Array.from({ length: attackers }, (_, i) => `${tag}-ok${i}@example.com`);
  const attackEvents = new Map<string, string[]>();
  const events: SentEvent[] = [];
  for (let step = 0; step < FAILURES_PER_ATTACKER; step++) {
    // Event times 4 minutes ago onwards, 20 s apart: inside the 10-minute window, in order per user.
    const secondsAgo = 240 - step * 20;
    for (const user of users) {
      const id = `${user}-f${step}`;
      attackEvents.set(user, [...(attackEvents.get(user) ?? []), `probes:${id}`]);
      events.push(signIn(id, user, 'failure', secondsAgo));
    }
    for (const user of quiet)
      events.push(signIn(`${user}-${step}`, user, step < 3 ? 'failure' : 'success', secondsAgo));
  }
  const now = new Date().toISOString();
  const poison = [
    {
      id: `${tag}-nul`,
      body: `[{"id":"${tag}-nul","kind":"authentication","action":"login","time":"${now}","entity":{"type":"user","id":"a\\u0000b"}}]`,
    },
    {
      id: `${tag}-surrogate`,
      body: `[{"id":"${tag}-surrogate\\ud800","kind":"authentication","action":"login","time":"${now}","entity":{"type":"user","id":"x"}}]`,
    },
    { id: `${tag}-deep`, body: `[{"id":"${tag}-deep","nested":${'['.repeat(200)}1${']'.repeat(200)}}]` },
    {
      id: `${tag}-far`,
      body: `[{"id":"${tag}-far","kind":"authentication","action":"login","time":"+275760-09-13T00:00:00.000Z","entity":{"type":"user","id":"x"}}]`,
    },
  ];
  return { events, attackers: users, attackEvents, poison };
}

/**
 * The round cut after its first `steps` sign-ins per user, for sending in two parts: the attackers' windows
 * then straddle whatever happens between the parts. The poison items go with the second part.
 */
export function splitAtStep(workload: Workload, steps: number): [Workload, Workload] {
  const cut = steps * 2 * workload.attackers.length;
  const part = (events: SentEvent[], poison: Workload['poison']): Workload => ({
    events,
    attackers: [],
    attackEvents: new Map(),
    poison,
  });
  return [part(workload.events.slice(0, cut), []), part(workload.events.slice(cut), workload.poison)];
}

async function post(ingestUrl: string, body: string): Promise<number> {
  const response = await fetch(`${ingestUrl}/v1/events/probes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${PROBES_TOKEN}` },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
  return response.status;
}

/**
 * Sends as a well-behaved source does: batches of `batchSize`, each retried until ingest answers 202
 * (ingest down, 503 while Kafka is away). Poison items must be answered 400, never 5xx.
 */
export async function sendWorkload(
  ingestUrl: string,
  workload: Workload,
  options: { batchSize?: number; gapMs?: number; afterBatch?: (index: number, batches: number) => void } = {},
): Promise<{ retries: number }> {
  const { batchSize = 10, gapMs = 0 } = options;
  const batches = Math.ceil(workload.events.length / batchSize);
  let retries = 0;
  const send = async (body: string, expected: number): Promise<void> => {
    for (;;) {
      const status = await post(ingestUrl, body).catch(() => 0);
      if (status === expected) return;
      if (status !== 0 && status < 500)
        throw new Error(`ingest answered ${status} where ${expected} was due: ${body.slice(0, 200)}`);
      retries += 1;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  for (let i = 0; i < workload.events.length; i += batchSize) {
    await send(JSON.stringify(workload.events.slice(i, i + batchSize)), 202);
    options.afterBatch?.(i / batchSize, batches);
    if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  for (const item of workload.poison) await send(item.body, 400);
  return { retries };
}
