import { describe, expect, it } from 'vitest';
import { DEFAULT_RESPONSE_TARGETS, ResponseTargets, responseDeadlines } from './response-targets';

describe('response targets', () => {
  it('defaults to 15 m / 4 h, 30 m / 24 h, 4 h / 3 d, 24 h / 7 d', () => {
    const detectedAt = '2026-03-01T12:00:00.000Z';
    expect(responseDeadlines('SEV1', detectedAt)).toEqual({
      ackDueAt: '2026-03-01T12:15:00.000Z',
      resolveDueAt: '2026-03-01T16:00:00.000Z',
    });
    expect(responseDeadlines('SEV2', detectedAt)).toEqual({
      ackDueAt: '2026-03-01T12:30:00.000Z',
      resolveDueAt: '2026-03-02T12:00:00.000Z',
    });
    expect(responseDeadlines('SEV3', detectedAt)).toEqual({
      ackDueAt: '2026-03-01T16:00:00.000Z',
      resolveDueAt: '2026-03-04T12:00:00.000Z',
    });
    expect(responseDeadlines('SEV4', detectedAt)).toEqual({
      ackDueAt: '2026-03-02T12:00:00.000Z',
      resolveDueAt: '2026-03-08T12:00:00.000Z',
    });
  });

  it('refuses targets where acknowledging may take longer than resolving, naming the severity', () => {
    const result = ResponseTargets.safeParse({
      ...DEFAULT_RESPONSE_TARGETS,
      SEV3: { ackMinutes: 600, resolveMinutes: 60 },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['SEV3.ackMinutes']);
  });
});
