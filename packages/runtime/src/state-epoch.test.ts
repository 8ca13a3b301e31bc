import { describe, expect, test } from '../../../test/fixtures/services';
import { StateEpoch } from './state-epoch';

describe('StateEpoch on a real Redis', () => {
  test('first check creates the epoch, later checks see the same one', async ({ redis, uid }) => {
    const key = `${uid}:state-epoch`;
    const epoch = new StateEpoch(redis, key);
    const first = await epoch.check();
    expect(first.status).toBe('created');
    expect(await redis.get(key)).toBe(first.epoch);
    expect(await epoch.check()).toEqual({ status: 'same', epoch: first.epoch });
  });

  test('a second process adopts the epoch the first one wrote', async ({ redis, uid }) => {
    const key = `${uid}:state-epoch`;
    const a = await new StateEpoch(redis, key).check();
    const b = await new StateEpoch(redis, key).check();
    expect(b).toEqual({ status: 'same', epoch: a.epoch });
  });

  test('an emptied Redis is reported as changed, naming the epoch that was lost', async ({
    redis,
    uid,
  }) => {
    const key = `${uid}:state-epoch`;
    const epoch = new StateEpoch(redis, key);
    const before = await epoch.check();
    await redis.del(key); // what a restart without persistence does to every key
    const after = await epoch.check();
    expect(after.status).toBe('changed');
    expect(after).toMatchObject({ previous: before.epoch });
    expect(after.epoch).not.toBe(before.epoch);
    expect(await epoch.check()).toEqual({ status: 'same', epoch: after.epoch });
  });
});
