import { RetryableError, errorMessage } from '@vigil/runtime';
import type { ChainableCommander, Redis } from 'ioredis';

/** A Lua script run through ioredis `defineCommand`: EVAL on a connection's first use, EVALSHA after. */
export interface LuaScript {
  /** The command name it is defined under on the client. */
  name: string;
  /** 'any': as many keys as a call passes (the count goes first, as EVALSHA takes it). */
  numberOfKeys: number | 'any';
  lua: string;
}

type ScriptCommand = (...args: Array<string | number>) => unknown;

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  parse(reply: unknown): unknown;
}

interface Group {
  script: LuaScript;
  keys: readonly string[];
  head: ReadonlyArray<string | number>;
  items: unknown[];
  calls: PendingCall[];
  view?: GroupView;
}

/**
 * A process-local view of a grouped script's state, so that a batch can leave out the items whose
 * reply it knows is nothing (a sequence observing a subject no one ever began, say). The script is
 * told the view's version (after `head`) and checks it first: when the state moved on (another
 * detector changed it), the script changes nothing and answers `stale` as the group's reply (item
 * index 0), and the batch sends the group again at once, every item, asking for the state's index
 * back. Items are never left out of a call that was not checked, so a stale view costs a round trip,
 * never a reply.
 */
export interface GroupView {
  /** The state's version this view is current for; undefined when it has none (every item is sent). */
  readonly version: string | undefined;
  /** While the view is current: the indexes of the items (in order) whose reply is not known to be nothing. */
  select(items: readonly unknown[]): number[];
  /** The script's reply for the group as a whole, and each item it was sent with its reply. */
  update(group: unknown, sent: ReadonlyArray<{ item: unknown; reply: unknown }>): void;
}

/** What the script is sent after `head` when a view is in use: the version to check ('' for none), and '1' to ask for the index. */
function viewArgs(view: GroupView | undefined, checked: boolean): string[] {
  if (!view) return [];
  return checked && view.version !== undefined ? [view.version, ''] : ['', '1'];
}

const definedOn = new WeakMap<Redis, Set<string>>();

function defineScript(redis: Redis, script: LuaScript): void {
  let names = definedOn.get(redis);
  if (!names) definedOn.set(redis, (names = new Set()));
  if (names.has(script.name)) return;
  const { numberOfKeys, lua } = script;
  redis.defineCommand(script.name, numberOfKeys === 'any' ? { lua } : { numberOfKeys, lua });
  names.add(script.name);
}

/**
 * Collects primitive calls for one Kafka batch into one pipeline, so the batch costs one Redis round
 * trip. Calls run in the order they were made, which keeps one entity's events in stream order.
 * Every call must be made before `flush`: a rule that awaits and then asks again gets an error
 * instead of a silent extra round trip.
 */
export class RedisBatch {
  private readonly pipeline: ChainableCommander;
  private readonly pending: PendingCall[] = [];
  private readonly groups = new Map<string, Group>();
  private sent = false;

  constructor(
    private readonly redis: Redis,
    scripts: readonly LuaScript[],
  ) {
    // A pipeline copies the client's scripts when it is created, so define them first.
    for (const script of scripts) defineScript(redis, script);
    this.pipeline = redis.pipeline();
  }

  /** Commands the pipeline will carry: one per `run`, one per group. */
  get size(): number {
    return this.pending.length + this.groups.size;
  }

  run<T>(
    script: LuaScript,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
    parse: (reply: unknown) => T,
  ): Promise<T> {
    if (this.sent) {
      return Promise.reject(
        new Error(
          `${script.name} was requested after the batch was sent; request every primitive before the first await`,
        ),
      );
    }
    const anyKeys = script.numberOfKeys === 'any';
    if (!anyKeys && keys.length !== script.numberOfKeys) {
      return Promise.reject(
        new Error(`${script.name} takes ${script.numberOfKeys} keys, got ${keys.length}`),
      );
    }
    const command = (this.pipeline as unknown as Record<string, ScriptCommand | undefined>)[script.name];
    if (typeof command !== 'function') {
      return Promise.reject(new Error(`${script.name} is not defined on this pipeline`));
    }
    if (anyKeys) command.call(this.pipeline, keys.length, ...keys, ...args);
    else command.call(this.pipeline, ...keys, ...args);
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ resolve: resolve as (value: unknown) => void, reject, parse });
    });
  }

  /**
   * Adds one item to a grouped call: every item with the same `groupKey` in this batch goes to Redis
   * as one script call: the keys, then `head`, then one argument, the JSON array of the items in the
   * order they were added. The script replies sparsely, a flat array of (1-based item index, reply)
   * pairs for the items it has something to say about; `parse` gets `undefined` for the others.
   * Grouped calls are sent after the batch's single calls.
   */
  group<T>(
    script: LuaScript,
    groupKey: string,
    keys: readonly string[],
    head: ReadonlyArray<string | number>,
    item: unknown,
    parse: (reply: unknown) => T,
    view?: GroupView,
  ): Promise<T> {
    if (this.sent) {
      return Promise.reject(
        new Error(
          `${script.name} was requested after the batch was sent; request every primitive before the first await`,
        ),
      );
    }
    let group = this.groups.get(groupKey);
    if (!group) {
      if (keys.length !== script.numberOfKeys) {
        return Promise.reject(
          new Error(`${script.name} takes ${script.numberOfKeys} keys, got ${keys.length}`),
        );
      }
      group = { script, keys, head, items: [], calls: [], ...(view ? { view } : {}) };
      this.groups.set(groupKey, group);
    }
    const { items, calls } = group;
    items.push(item);
    return new Promise<T>((resolve, reject) => {
      calls.push({ resolve: resolve as (value: unknown) => void, reject, parse });
    });
  }

  /**
   * Sends every call and settles each one's promise. Resolves once all are settled; rejects with a
   * `RetryableError` when Redis could not be reached (each call's promise rejects with it too).
   */
  async flush(): Promise<void> {
    if (this.sent) throw new Error('batch already sent');
    this.sent = true;
    const groups = this.queueGroups(this.pipeline, [...this.groups.values()], true);
    if (this.pending.length === 0 && groups.length === 0) return;
    const replies = await this.exec(this.pipeline, [this.pending, ...groups.map((g) => g.group.calls)]);
    this.pending.forEach((call, index) => {
      settle(call, replies[index]);
    });
    const stale: Group[] = [];
    groups.forEach((sent, index) => {
      if (this.settleGroup(sent, replies[this.pending.length + index]) === 'stale') stale.push(sent.group);
    });
    if (stale.length === 0) return;
    // Views that were behind: the same groups again, every item, with the index asked for.
    const again = this.redis.pipeline();
    const resent = this.queueGroups(again, stale, false);
    const more = await this.exec(again, resent.map((g) => g.group.calls));
    resent.forEach((sent, index) => {
      if (this.settleGroup(sent, more[index]) === 'stale')
        for (const call of sent.group.calls) call.reject(new Error(`${sent.group.script.name}: stale on an unchecked call`));
    });
  }

  /** Adds each group's call to `pipeline`, leaving out what a current view skips when `checked`. */
  private queueGroups(pipeline: ChainableCommander, groups: Group[], checked: boolean): SentGroup[] {
    const queued: SentGroup[] = [];
    for (const group of groups) {
      const { view } = group;
      const indexes =
        checked && view?.version !== undefined ? view.select(group.items) : group.items.map((_, i) => i);
      const items = indexes.map((i) => group.items[i]);
      try {
        this.command(group.script).call(
          pipeline,
          ...group.keys,
          ...group.head,
          JSON.stringify(items),
          ...viewArgs(view, checked),
        );
        queued.push({ group, indexes });
      } catch (error) {
        for (const call of group.calls) call.reject(error);
      }
    }
    return queued;
  }

  /** Runs `pipeline`; when Redis cannot be reached, every call of `calls` rejects with a `RetryableError`. */
  private async exec(pipeline: ChainableCommander, calls: PendingCall[][]): Promise<Array<[Error | null, unknown] | undefined>> {
    try {
      return (await pipeline.exec()) ?? [];
    } catch (error) {
      const failure = new RetryableError(`redis pipeline failed: ${errorMessage(error)}`, undefined, {
        cause: error,
      });
      for (const list of calls) for (const call of list) call.reject(failure);
      throw failure;
    }
  }

  /** Settles a group's calls from its sparse reply; `stale` (nothing settled) when its view was behind. */
  private settleGroup({ group, indexes }: SentGroup, entry: [Error | null, unknown] | undefined): 'stale' | 'done' {
    const [error, reply] = entry ?? [new Error('no reply for this command'), undefined];
    if (error || !Array.isArray(reply) || reply.length % 2 !== 0) {
      const failure = error
        ? new RetryableError(`redis command failed: ${error.message}`, undefined, { cause: error })
        : new Error(`${group.script.name}: expected (index, reply) pairs, got ${JSON.stringify(reply)}`);
      for (const call of group.calls) call.reject(failure);
      return 'done';
    }
    const bySent: unknown[] = new Array(indexes.length);
    let whole: unknown;
    for (let i = 0; i < reply.length; i += 2) {
      const at = Number(reply[i]);
      if (at === 0) whole = reply[i + 1];
      else bySent[at - 1] = reply[i + 1];
    }
    if (Array.isArray(whole) && whole[0] === 'stale') return 'stale';
    group.view?.update(
      whole,
      indexes.map((itemIndex, i) => ({ item: group.items[itemIndex], reply: bySent[i] })),
    );
    const byItem: unknown[] = new Array(group.calls.length);
    indexes.forEach((itemIndex, i) => (byItem[itemIndex] = bySent[i]));
    group.calls.forEach((call, i) => settle(call, [null, byItem[i]]));
    return 'done';
  }

  private command(script: LuaScript): ScriptCommand {
    const command = (this.pipeline as unknown as Record<string, ScriptCommand | undefined>)[script.name];
    if (typeof command !== 'function') throw new Error(`${script.name} is not defined on this pipeline`);
    return command;
  }
}

interface SentGroup {
  group: Group;
  /** For each item sent, its index among the group's items. */
  indexes: number[];
}

function settle(call: PendingCall, entry: [Error | null, unknown] | undefined): void {
  const [error, reply] = entry ?? [new Error('no reply for this command'), undefined];
  if (error) {
    call.reject(new RetryableError(`redis command failed: ${error.message}`, undefined, { cause: error }));
    return;
  }
  try {
    call.resolve(call.parse(reply));
  } catch (parseError) {
    call.reject(parseError);
  }
}

/** Primitive calls in a batch of their own: for tools and tests that do not batch. */
export async function runAlone<T>(
  redis: Redis,
  scripts: readonly LuaScript[],
  call: (batch: RedisBatch) => Promise<T>,
): Promise<T> {
  const batch = new RedisBatch(redis, scripts);
  const result = call(batch);
  // The call's own promise carries any failure; this only keeps it from counting as unhandled meanwhile.
  void result.catch(() => undefined);
  await batch.flush().catch(() => undefined);
  return result;
}

/** Lua replies arrive as arrays of strings from these scripts; anything else is a bug worth a clear error. */
export function replyStrings(reply: unknown, script: string): string[] {
  if (!Array.isArray(reply) || reply.some((part) => typeof part !== 'string' && typeof part !== 'number')) {
    throw new Error(`${script}: unexpected reply ${JSON.stringify(reply)}`);
  }
  return reply.map(String);
}
