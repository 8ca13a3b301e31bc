import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeadLetter, topicNames, VigilEvent } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { alertmanagerAlert } from '../testing/availability-samples';
import { RecordingBus } from '../testing/recording-bus';
import { genericEvent, oktaLogEvent } from '../testing/samples';
import { replayFile, ReplayReadError } from './replay-file';

const topics = topicNames('test.');
const dir = mkdtempSync(join(tmpdir(), 'vigil-replay-'));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const ids = (bus: RecordingBus) => bus.values(topics.events).map((v) => VigilEvent.parse(v).id);
const dead = (bus: RecordingBus) => bus.values(topics.eventsDlq).map((v) => DeadLetter.parse(v));

describe('replayFile', () => {
  it('replays a JSON array through the normaliser in batches', async () => {
    const events = Array.from({ length: 5 }, (_, i) => oktaLogEvent({ uuid: `u-${i}` }));
    const path = file('okta.json', JSON.stringify(events, null, 2));
    const bus = new RecordingBus();
    const summary = await replayFile({ path, source: { name: 'okta', format: 'okta-event-hook' }, bus, topics, batchSize: 2 });
    expect(summary).toMatchObject({ layout: 'json-array', records: 5, parsed: 5, accepted: 5, deadLettered: 0, problems: [] });
    expect(ids(bus)).toEqual(events.map((e) => `okta:${String(e.uuid)}`));
    expect(bus.written.get(topics.events)?.[0]?.key).toBe('user:alice@example.com');
  });

  it('replays JSON lines: a bad line is reported with its line number and dead-lettered, the rest accepted', async () => {
    const lines = [
      JSON.stringify(genericEvent({ id: 'a' })),
      '',
      '{"id": "b", "kind": ',
      JSON.stringify(genericEvent({ id: 'c', time: 'yesterday' })),
      JSON.stringify(genericEvent({ id: 'd' })),
    ];
    const path = file('scripts.jsonl', `${lines.join('\n')}\n`);
    const bus = new RecordingBus();
    const summary = await replayFile({ path, source: { name: 'scripts', format: 'generic' }, bus, topics });
    expect(summary).toMatchObject({ layout: 'json-lines', records: 4, parsed: 3, accepted: 2, deadLettered: 2 });
    expect(summary.problems).toEqual([
      { line: 3, index: 1, reason: expect.stringMatching(/^malformed JSON: /), errors: [] },
      { line: 4, index: 2, reason: 'does not match the generic event format', errors: [expect.objectContaining({ path: 'time' })] },
    ]);
    expect(ids(bus)).toEqual(['scripts:a', 'scripts:d']);
    expect(dead(bus)).toEqual([
      expect.objectContaining({ stage: 'ingest:scripts', reason: expect.stringMatching(/^line 3: malformed JSON: /), raw: '{"id": "b", "kind": ' }),
      expect.objectContaining({ stage: 'ingest:scripts', reason: expect.stringContaining('does not match the generic event format'), raw: JSON.parse(lines[3]!) }),
    ]);
  });

  it('wraps each format the way its source delivers it (Alertmanager alerts)', async () => {
    const path = file('alerts.jsonl', [alertmanagerAlert(), alertmanagerAlert({ status: 'resolved', endsAt: '2026-11-22T10:09:00Z' })].map((a) => JSON.stringify(a)).join('\n'));
    const bus = new RecordingBus();
    const summary = await replayFile({ path, source: { name: 'alertmanager', format: 'alertmanager' }, bus, topics });
    expect(summary).toMatchObject({ accepted: 2, deadLettered: 0 });
    expect(bus.values(topics.events).map((v) => VigilEvent.parse(v).outcome)).toEqual(['failure', 'success']);
  });

  it('replaying the same file twice writes the same event ids (harmless downstream)', async () => {
    const path = file('twice.json', JSON.stringify([genericEvent({ id: 'x' }), genericEvent({ id: 'y' })]));
    const bus = new RecordingBus();
    await replayFile({ path, source: { name: 'scripts', format: 'generic' }, bus, topics });
    await replayFile({ path, source: { name: 'scripts', format: 'generic' }, bus, topics });
    expect(ids(bus)).toEqual(['scripts:x', 'scripts:y', 'scripts:x', 'scripts:y']);
  });

  it('refuses a file it cannot read, or a JSON array that does not parse, writing nothing', async () => {
    const bus = new RecordingBus();
    const source = { name: 'scripts', format: 'generic' as const };
    await expect(replayFile({ path: join(dir, 'missing.json'), source, bus, topics })).rejects.toThrow(ReplayReadError);
    const broken = file('broken.json', '[\n  {"id": "a"},\n  {"id": }\n]');
    await expect(replayFile({ path: broken, source, bus, topics })).rejects.toThrow(/is not a valid JSON array at line 3, column \d+/);
    expect(bus.written.size).toBe(0);
  });

  it('propagates a bus failure (nothing is claimed accepted)', async () => {
    const path = file('down.json', JSON.stringify([genericEvent()]));
    const bus = new RecordingBus();
    bus.down = true;
    await expect(replayFile({ path, source: { name: 'scripts', format: 'generic' }, bus, topics })).rejects.toThrow(/bus is down/);
  });
});
