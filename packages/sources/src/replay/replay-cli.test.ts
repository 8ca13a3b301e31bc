import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topicNames } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { RecordingBus } from '../testing/recording-bus';
import { vigilBackupRecord } from '../testing/availability-samples';
import { replayCli } from './replay-cli';

const dir = mkdtempSync(join(tmpdir(), 'vigil-replay-cli-'));

function run(argv: string[], env: NodeJS.ProcessEnv = { KAFKA_BROKERS: '127.0.0.1:9092', TOPIC_PREFIX: 'cli.' }) {
  const out: string[] = [];
  const err: string[] = [];
  const bus = new RecordingBus();
  const status = replayCli(argv, env, { stdout: (l) => out.push(l), stderr: (l) => err.push(l), makeBus: () => bus });
  return status.then((code) => ({ code, out, err, bus }));
}

describe('replay CLI', () => {
  it('prints a summary with each problem and its line, and exits 0', async () => {
    const path = join(dir, 'backups.jsonl');
    writeFileSync(path, [JSON.stringify(vigilBackupRecord()), 'not json', JSON.stringify(vigilBackupRecord({ id: 'r2', state: 'bogus' }))].join('\n'));
    const { code, out, bus } = await run(['--source', 'backups', '--format', 'backup', '--file', path]);
    expect(code).toBe(0);
    expect(out[0]).toBe(`replayed ${path} (json-lines) as source backups, format backup: 3 records, 1 accepted, 2 dead-lettered`);
    expect(out[1]).toMatch(/^ {2}line 2: malformed JSON: /);
    expect(out[2]).toMatch(/^ {2}line 3: does not match the Vigil backup record format \(state: /);
    const topics = topicNames('cli.');
    expect(bus.values(topics.events)).toHaveLength(1);
    expect(bus.values(topics.eventsDlq)).toHaveLength(2);
  });

  it('exits 1 when nothing could be read', async () => {
    const path = join(dir, 'garbage.jsonl');
    writeFileSync(path, 'nope\nstill nope\n');
    const garbage = await run(['--source', 'backups', '--format', 'backup', '--file', path]);
    expect(garbage.code).toBe(1);
    expect(garbage.err).toContain(`nothing could be read from ${path}`);
    const missing = await run(['--source', 'backups', '--format', 'backup', '--file', join(dir, 'nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.err[0]).toMatch(/^cannot read .*nope\.json/);
  });

  it('exits 2 naming each wrong argument, and when KAFKA_BROKERS is not set', async () => {
    const { code, err } = await run(['--source', 'Bad Name', '--format', 'csv'], {});
    expect(code).toBe(2);
    expect(err[0]).toContain('--source: lower-case letters, digits, - and _');
    expect(err[0]).toContain('--format: one of generic, okta-event-hook');
    expect(err[0]).toContain('--file is required');
    expect(err[0]).toContain('KAFKA_BROKERS is not set');
    expect((await run(['--what'])).code).toBe(2);
  });
});
