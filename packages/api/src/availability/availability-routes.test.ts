import { describe, expect, test } from '../../../../test/fixtures/services';
import { bearer, TOKENS } from '../api-test-helpers';
import {
  availabilityApiOver,
  checkedThroughout,
  outageDetections,
  type AvailabilityHarness,
} from './availability-test-helpers';

/**
 * November 2026, seen on December 2:
 *   checkout  Oct 31 23:30 – Nov 1 00:30   down 60 min, 30 of them in November
 *   checkout  Nov 10 10:00 – 11:00         down 60 min, maintenance declared 10:30 – 10:45 → 45 min count
 *   search    Nov 30 23:00 – still down    60 min in November
 */
async function seed(harness: AvailabilityHarness): Promise<void> {
  const detections = [
    ...outageDetections('checkout', 'oct', '2026-10-31T23:30:00.000Z', 3600),
    ...outageDetections('checkout', 'nov', '2026-11-10T10:00:00.000Z', 3600),
    ...outageDetections('search', 'end', '2026-11-30T23:00:00.000Z'),
  ];
  for (const detection of detections) await harness.store.applyDetection(detection);
  // Both checked every five minutes from before November to now.
  await checkedThroughout(
    harness.pool,
    ['checkout', 'search'],
    '2026-10-25T00:00:00Z',
    '2026-12-02T00:00:00Z',
  );
}

const drill = {
  service: 'checkout',
  startsAt: '2026-11-10T10:30:00.000Z',
  endsAt: '2026-11-10T10:45:00.000Z',
  reason: 'failover drill, CHG-4711',
};

describe('API: maintenance windows', () => {
  test('responders and admins declare them, recorded with who; viewers and auditors may not', async ({
    database,
  }) => {
    const { app, logger } = await availabilityApiOver(database.pool);
    for (const token of [TOKENS.viewer, TOKENS.auditor]) {
      const refused = await app.inject({
        method: 'POST',
        url: '/v1/availability/maintenance',
        headers: bearer(token),
        payload: drill,
      });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.code).toBe('forbidden');
    }
    const anonymous = await app.inject({
      method: 'POST',
      url: '/v1/availability/maintenance',
      payload: drill,
    });
    expect(anonymous.statusCode).toBe(401);

    const declared = await app.inject({
      method: 'POST',
      url: '/v1/availability/maintenance',
      headers: bearer(TOKENS.responder),
      payload: drill,
    });
    expect(declared.statusCode).toBe(201);
    expect(declared.json()).toEqual({
      window: {
        id: 1,
        ...drill,
        declaredBy: 'api:responder-user',
        declaredAt: '2026-12-02T00:00:00.000Z',
        retroactive: true,
      },
    });
    const byAdmin = await app.inject({
      method: 'POST',
      url: '/v1/availability/maintenance',
      headers: bearer(TOKENS.admin),
      payload: { ...drill, service: 'search', reason: 'index rebuild' },
    });
    expect(byAdmin.statusCode).toBe(201);
    expect(byAdmin.json().window.declaredBy).toBe('api:admin-user');

    const { rows } = await database.pool.query(
      'SELECT service, declared_by, reason FROM maintenance_windows ORDER BY id',
    );
    expect(rows).toEqual([
      { service: 'checkout', declared_by: 'api:responder-user', reason: 'failover drill, CHG-4711' },
      { service: 'search', declared_by: 'api:admin-user', reason: 'index rebuild' },
    ]);
    expect(logger.lines.join('\n')).toContain('maintenance window declared');

    for (const token of Object.values(TOKENS)) {
      const listed = await app.inject({
        method: 'GET',
        url: '/v1/availability/maintenance?service=checkout',
        headers: bearer(token),
      });
      expect(listed.statusCode).toBe(200);
      expect(listed.json().windows).toEqual([declared.json().window]);
    }
  });

  test('a bad declaration is a 400 naming each field, and records nothing', async ({ database }) => {
    const { app } = await availabilityApiOver(database.pool);
    const post = (payload: Record<string, unknown>) =>
      app.inject({
        method: 'POST',
        url: '/v1/availability/maintenance',
        headers: bearer(TOKENS.responder),
        payload,
      });

    const unknown = await post({ ...drill, service: 'billing' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.details).toEqual([
      { path: 'service', message: 'no service billing in the services file' },
    ]);

    const backwards = await post({ ...drill, endsAt: drill.startsAt, reason: '', by: 'someone-else' });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error.details).toEqual(
      expect.arrayContaining([
        { path: 'by', message: 'unknown body parameter' },
        { path: 'reason', message: 'say why (a change ticket, the work done)' },
      ]),
    );
    const tooLong = await post({ ...drill, endsAt: '2026-11-20T10:30:00.000Z' });
    expect(tooLong.json().error.details).toEqual([
      { path: 'endsAt', message: 'a window may last at most 7 days; declare longer work as several windows' },
    ]);
    const { rows } = await database.pool.query('SELECT count(*)::int AS n FROM maintenance_windows');
    expect(rows[0].n).toBe(0);
  });
});

describe('API: availability', () => {
  test('per service over a month with an outage across its start, maintenance and a live outage', async ({
    database,
  }) => {
    const harness = await availabilityApiOver(database.pool);
    await seed(harness);
    const { app } = harness;
    await app.inject({
      method: 'POST',
      url: '/v1/availability/maintenance',
      headers: bearer(TOKENS.responder),
      payload: drill,
    });

    const response = await app.inject({
      method: 'GET',
      url: '/v1/availability?month=2026-11',
      headers: bearer(TOKENS.viewer),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json();
    expect(body).toMatchObject({ from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' });
    const [checkout, search] = body.services;

    expect(checkout).toMatchObject({
      service: { id: 'checkout', commitment: 99.9, slo: 99.95 },
      periodSeconds: 2_592_000,
      maintenanceSeconds: 900,
      measuredSeconds: 2_591_100,
      monitoredSeconds: 2_591_100,
      noEvidenceSeconds: 0,
      coverage: 1,
      downtimeSeconds: 1800 + 2700,
      commitment: {
        target: 99.9,
        allowedDowntimeSeconds: 2591.1,
        budgetRemainingSeconds: -1908.9,
        status: 'breached',
        met: false,
      },
      downtime: [
        { start: '2026-11-01T00:00:00.000Z', end: '2026-11-01T00:30:00.000Z', ongoing: false },
        { start: '2026-11-10T10:00:00.000Z', end: '2026-11-10T10:30:00.000Z', ongoing: false },
        { start: '2026-11-10T10:45:00.000Z', end: '2026-11-10T11:00:00.000Z', ongoing: false },
      ],
      incidents: [
        {
          ref: 'INC-1',
          startedAt: '2026-10-31T23:30:00.000Z',
          endedAt: '2026-11-01T00:30:00.000Z',
          downtimeSecondsInPeriod: 1800,
        },
        {
          ref: 'INC-2',
          startedAt: '2026-11-10T10:00:00.000Z',
          endedAt: '2026-11-10T11:00:00.000Z',
          downtimeSecondsInPeriod: 2700,
        },
      ],
      maintenance: [{ id: 1, declaredBy: 'api:responder-user' }],
    });
    expect(checkout.availability).toBeCloseTo(1 - 4500 / 2_591_100, 12);
    expect(checkout.commitment.burnRate).toBeCloseTo(4500 / 2591.1, 9);
    expect(checkout.daily).toHaveLength(30);

    expect(search).toMatchObject({
      downtimeSeconds: 3600,
      commitment: { allowedDowntimeSeconds: 12_960, budgetRemainingSeconds: 9360, status: 'met', met: true },
      downtime: [{ start: '2026-11-30T23:00:00.000Z', end: '2026-12-01T00:00:00.000Z', ongoing: true }],
      incidents: [
        { ref: 'INC-3', status: 'open', endedAt: null, end: 'ongoing', downtimeSecondsInPeriod: 3600 },
      ],
    });

    const one = await app.inject({
      method: 'GET',
      url: '/v1/availability/checkout?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z',
      headers: bearer(TOKENS.auditor),
    });
    expect(one.statusCode).toBe(200);
    expect(one.json().availability).toEqual(checkout);

    // The still-open search outage keeps counting into December, up to now.
    const december = await app.inject({
      method: 'GET',
      url: '/v1/availability/search',
      headers: bearer(TOKENS.viewer),
    });
    expect(december.json()).toMatchObject({
      from: '2026-12-01T00:00:00.000Z',
      availability: { measuredUntil: '2026-12-02T00:00:00.000Z', downtimeSeconds: 86_400 },
    });
  });

  test('the monthly report, as JSON and as a printable page', async ({ database }) => {
    const harness = await availabilityApiOver(database.pool);
    await seed(harness);
    await harness.app.inject({
      method: 'POST',
      url: '/v1/availability/maintenance',
      headers: bearer(TOKENS.responder),
      payload: { ...drill, reason: 'drill <script>alert(1)</script>' },
    });

    const json = await harness.app.inject({
      method: 'GET',
      url: '/v1/availability/report?month=2026-11',
      headers: bearer(TOKENS.auditor),
    });
    expect(json.statusCode).toBe(200);
    expect(json.json()).toMatchObject({
      month: '2026-11',
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
      summary: {
        services: 2,
        met: 1,
        breached: ['checkout'],
        notEvidenced: [],
        downtimeSeconds: 4500 + 3600,
      },
    });

    const html = await harness.app.inject({
      method: 'GET',
      url: '/v1/availability/report?month=2026-11&format=html',
      headers: bearer(TOKENS.viewer),
    });
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.headers['content-security-policy']).toMatch(
      /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'/,
    );
    expect(html.body).toContain('Availability report — November 2026');
    expect(html.body).toContain('99.826 %');
    expect(html.body).toContain('INC-2');
    expect(html.body).toContain('drill &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html.body).not.toContain('<script');
  });

  test('the monthly report as CSV: the four numbers per service, then each outage, gap and window', async ({
    database,
  }) => {
    // checkout: down Nov 10 10:00 – 11:00 (15 min of it in maintenance), no checks Nov 15 06:00 – 12:00.
    // search: never checked.
    const harness = await availabilityApiOver(database.pool);
    for (const d of outageDetections('checkout', 'nov', '2026-11-10T10:00:00.000Z', 3600))
      await harness.store.applyDetection(d);
    await checkedThroughout(harness.pool, ['checkout'], '2026-10-25T00:00:00Z', '2026-11-15T06:00:00Z');
    await checkedThroughout(harness.pool, ['checkout'], '2026-11-15T12:00:00Z', '2026-12-02T00:00:00Z');
    await harness.app.inject({
      method: 'POST',
      url: '/v1/availability/maintenance',
      headers: bearer(TOKENS.responder),
      payload: { ...drill, reason: '=HYPERLINK("https://evil.example"), CHG-1' },
    });

    const response = await harness.app.inject({
      method: 'GET',
      url: '/v1/availability/report?month=2026-11&format=csv',
      headers: bearer(TOKENS.auditor),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(
      'attachment; filename="vigil-availability-2026-11.csv"',
    );
    const lines = response.body.split('\r\n');
    expect(lines[0]).toBe(
      'record,service,start,end,seconds,counted_seconds,monitored_seconds,no_evidence_seconds,downtime_seconds,' +
        'maintenance_seconds,availability,coverage,minimum_coverage_percent,commitment_percent,status,standing,' +
        'incident,measured_by,historical,note',
    );
    const monitored = 2_592_000 - 900 - 21_600;
    expect(lines.slice(1, -1)).toEqual([
      `period,checkout,2026-11-01T00:00:00.000Z,2026-12-01T00:00:00.000Z,2592000,,${monitored},21600,2700,900,` +
        `${1 - 2700 / monitored},${monitored / (2_592_000 - 900)},90,99.9,breached,breached,,,,`,
      'outage,checkout,2026-11-10T10:00:00.000Z,2026-11-10T11:00:00.000Z,3600,2700,,,,,,,,,,,INC-1,consecutive-checks,false,',
      'no-evidence,checkout,2026-11-15T06:00:00.000Z,2026-11-15T12:00:00.000Z,21600,0,,,,,,,,,,,,,,no checks: neither up nor down',
      expect.stringMatching(
        /^maintenance,checkout,2026-11-10T10:30:00\.000Z,2026-11-10T10:45:00\.000Z,900,,,,,,,,,,,,MW-\d+,,,"'=HYPERLINK\(""https:\/\/evil\.example""\), CHG-1 \(declared by api:[a-z-]+ at .*\)"$/,
      ),
      'period,search,2026-11-01T00:00:00.000Z,2026-12-01T00:00:00.000Z,2592000,,0,2592000,0,0,,0,90,99.5,not-evidenced,not-evidenced,,,,',
      'no-evidence,search,2026-11-01T00:00:00.000Z,2026-12-01T00:00:00.000Z,2592000,0,,,,,,,,,,,,,,no checks: neither up nor down',
    ]);
    expect(lines.at(-1)).toBe('');
  });

  test('bad periods and unknown services are refused clearly; every route needs a token', async ({
    database,
  }) => {
    const { app } = await availabilityApiOver(database.pool);
    const get = (url: string, token: string = TOKENS.viewer) =>
      app.inject({ method: 'GET', url, headers: bearer(token) });

    expect((await get('/v1/availability/billing')).json()).toEqual({
      error: { code: 'service_not_found', message: 'no service billing in the services file' },
    });
    const cases: Array<[string, { path: string; message: string }]> = [
      ['/v1/availability?month=2026-13', { path: 'month', message: 'expected a month such as 2026-11' }],
      [
        '/v1/availability?from=2026-11-01T00:00:00Z',
        { path: 'to', message: 'give from and to together (or month, or neither for the current month)' },
      ],
      [
        '/v1/availability?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z',
        { path: 'to', message: 'must be after from' },
      ],
      [
        '/v1/availability?month=2026-11&from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z',
        { path: 'month', message: 'give month, or from and to, not both' },
      ],
      ['/v1/availability?mnth=2026-11', { path: 'mnth', message: 'unknown query parameter' }],
      [
        '/v1/availability?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
        { path: 'to', message: 'a period may cover at most 400 days' },
      ],
      ['/v1/availability/report?format=pdf', { path: 'format', message: expect.any(String) }],
    ];
    for (const [url, detail] of cases) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(400);
      expect(response.json().error.details, url).toEqual([detail]);
    }
    for (const url of [
      '/v1/availability',
      '/v1/availability/checkout',
      '/v1/availability/report',
      '/v1/availability/maintenance',
    ]) {
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(401);
    }
  });
});
