import { readFileSync } from 'node:fs';
import { runCli } from '../../services/vigil/src/commands';
import { describe, expect, test } from '../fixtures/services';
import { API_TOKEN, apiGet, PROBES_TOKEN, startHarness } from './pipeline-harness';

interface Incident {
  id: string;
  seq: number;
  ruleId: string;
  status: string;
  entity: { id: string };
  downtimeSeconds: number | null;
  timeline: Array<{ kind: string }>;
}

async function demo(ingest: string, api: string): Promise<{ code: number | undefined; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    ['demo', '--ingest', ingest, '--api', api, '--probes-token', PROBES_TOKEN, '--api-token', API_TOKEN],
    {},
    { out: (line) => out.push(line), err: (line) => err.push(line) },
  );
  return { code, out, err };
}

describe('the README demo', () => {
  test('the README runs `pnpm vigil demo` and says how it waits', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('pnpm vigil demo');
    expect(readme).toMatch(/waits?\b[^.]*GET \/v1\/incidents/);
  });

  test(
    'run twice in a row on a fresh register, it gives both promised incidents both times',
    { timeout: 120_000 },
    async ({ uid, redisUrl, database }) => {
      const harness = await startHarness({ uid, redisUrl, databaseUrl: database.url });
      try {
        const { ingestUrl, apiUrl } = harness.vigil;
        const first = await demo(ingestUrl, apiUrl);
        expect(first.err).toEqual([]);
        expect(first.code).toBe(0);
        const second = await demo(ingestUrl, apiUrl);
        expect(second.err).toEqual([]);
        expect(second.code).toBe(0);

        for (const run of [first, second]) {
          const incidents = run.out.filter((line) => line.startsWith('INC-'));
          expect(incidents).toEqual([
            expect.stringMatching(/^INC-\d+ {2}identity\.brute-force {2}CC7\.2, CC7\.3 {2}open {2}/),
            expect.stringMatching(/^INC-\d+ {2}availability\.service-down {2}A1\.2, CC7\.4 {2}resolved, downtime \d+ s {2}/),
          ]);
        }
        // Each run opened its own brute-force incident (a new user each time) ...
        const { body } = await apiGet<{ incidents: Incident[] }>(harness, '/v1/incidents?limit=50');
        const bruteForce = body.incidents.filter((i) => i.ruleId === 'identity.brute-force');
        expect(bruteForce.map((i) => i.entity.id)).toEqual([
          expect.stringMatching(/^mallory\+[0-9a-f]{6}@example\.com$/),
          expect.stringMatching(/^mallory\+[0-9a-f]{6}@example\.com$/),
        ]);
        expect(bruteForce[0]!.entity.id).not.toBe(bruteForce[1]!.entity.id);
        // ... and checkout went down and came back up both times: a second outage within the reopen window
        // reopens the same incident, which is resolved again.
        const outages = body.incidents.filter((i) => i.ruleId === 'availability.service-down');
        expect(outages.map((i) => i.status)).toEqual(outages.map(() => 'resolved'));
        const timelines = await Promise.all(
          outages.map(async (o) => (await apiGet<{ incident: Incident }>(harness, `/v1/incidents/${o.id}`)).body.incident),
        );
        expect(timelines.flatMap((i) => i.timeline.filter((e) => e.kind === 'resolved'))).toHaveLength(2);
      } finally {
        await harness.stop();
      }
    },
  );
});
