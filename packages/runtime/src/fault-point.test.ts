import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { armFaultPoint } from './fault-point';

const modulePath = fileURLToPath(new URL('./fault-point.ts', import.meta.url));

/** A node process that visits `detector.after-publish` three times, saying so after each visit it survives. */
function visitThrice(env: Record<string, string>) {
  const script = `
    const { faultPoint } = await import(${JSON.stringify(modulePath)});
    for (let i = 1; i <= 3; i++) { faultPoint('detector.after-publish'); faultPoint('alerter.after-slack-post'); console.log('survived ' + i); }
  `;
  const { VIGIL_FAULT_POINT: _point, VIGIL_FAULT_AFTER: _after, ...rest } = process.env;
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...rest, ...env },
    encoding: 'utf8',
  });
}

describe('fault points', () => {
  it('are inert when VIGIL_FAULT_POINT is not set', () => {
    const run = visitThrice({});
    expect(run.signal).toBeNull();
    expect(run.stdout).toBe('survived 1\nsurvived 2\nsurvived 3\n');
  });

  it('SIGKILL the process at the named point, on the visit VIGIL_FAULT_AFTER names, and say so on stderr first', () => {
    const run = visitThrice({ VIGIL_FAULT_POINT: 'detector.after-publish', VIGIL_FAULT_AFTER: '2' });
    expect(run.signal).toBe('SIGKILL');
    expect(run.stdout).toBe('survived 1\n');
    expect(run.stderr).toContain('VIGIL_FAULT_POINT detector.after-publish reached (visit 2): SIGKILL');
  });

  it('refuse a name that is not a point, so a misspelt fault cannot pass unnoticed', () => {
    expect(() => armFaultPoint({ VIGIL_FAULT_POINT: 'detector.after-pubilsh' })).toThrow(/is not a fault point \(detector\.after-publish, /);
    expect(() => armFaultPoint({ VIGIL_FAULT_POINT: 'alerter.after-slack-post', VIGIL_FAULT_AFTER: '0' })).toThrow(/positive integer/);
    expect(armFaultPoint({})).toBeNull();
  });
});
