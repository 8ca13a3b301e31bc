import { describe, expect, test } from 'vitest';
import { ShutdownRegistry, type ShutdownLog } from './shutdown';

const quiet: ShutdownLog = { info: () => undefined, error: () => undefined };
const broken: ShutdownLog = {
  info: () => {
    throw new Error('write EPIPE');
  },
  error: () => {
    throw new Error('write EPIPE');
  },
};

function exitCode(registry: ShutdownRegistry, waitMs: number): Promise<number | 'no exit'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('no exit'), waitMs);
    registry.stopAndExit('SIGTERM', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('ShutdownRegistry.stopAndExit', () => {
  test('stops the components, last registered first, and exits 0', async () => {
    const order: string[] = [];
    const registry = new ShutdownRegistry(quiet, 1_000);
    registry.register('first', async () => void order.push('first'));
    registry.register('second', async () => void order.push('second'));
    expect(await exitCode(registry, 2_000)).toBe(0);
    expect(order).toEqual(['second', 'first']);
  });

  test('a logger that throws (its output closed) neither stops the shutdown nor keeps the process alive', async () => {
    const stopped: string[] = [];
    const registry = new ShutdownRegistry(broken, 1_000);
    registry.register('bus', async () => void stopped.push('bus'));
    registry.register('failing', () => Promise.reject(new Error('no')));
    expect(await exitCode(registry, 2_000)).toBe(1);
    expect(stopped).toEqual(['bus']);
  });

  test('a stop that never ends is given up at the deadline: exit 1, and the next component still stops', async () => {
    const stopped: string[] = [];
    const registry = new ShutdownRegistry(quiet, 200);
    registry.register('bus', async () => void stopped.push('bus'));
    registry.register('stuck', () => new Promise<void>(() => undefined));
    expect(await exitCode(registry, 2_000)).toBe(1);
    expect(stopped).toEqual(['bus']);
  });
});
