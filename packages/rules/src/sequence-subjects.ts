import type { GroupView } from './redis-batch';

/** What the index reads of a call's item (a `SequenceItem`): its op ('b', 'e' or 'o') and subject. */
interface SubjectStep {
  readonly op: string;
  readonly subject: string;
}

/**
 * One detector's index of the subjects a sequence rule's state holds. A subject enters the state only
 * by a begin or an end, and most events are observations of subjects no one ever began (a sign-in of
 * a user who was never deprovisioned), whose reply is always nothing. With the index current, a batch
 * leaves those out of the script call: they cost no encoding, no Lua and no lookup. The script checks
 * the index's version (the state's epoch and number of subjects; see sequence.lua.ts) before anything
 * else, so an index another detector got ahead of costs one more round trip, never a missed firing.
 */
export class SequenceSubjects implements GroupView {
  /** The state's fields: its subjects, and its epoch field. */
  private subjects = new Set<string>();
  private current: string | undefined;

  get version(): string | undefined {
    return this.current;
  }

  select(items: readonly unknown[]): number[] {
    const chosen: number[] = [];
    // Subjects this call's own begins and ends may add: their later observations must go too.
    const touched = new Set<string>();
    items.forEach((item, i) => {
      const { op, subject } = item as SubjectStep;
      if (op !== 'o') touched.add(subject);
      else if (!this.subjects.has(subject) && !touched.has(subject)) return;
      chosen.push(i);
    });
    return chosen;
  }

  update(group: unknown, sent: ReadonlyArray<{ item: unknown; reply: unknown }>): void {
    const [kind, version, subjects] = Array.isArray(group) ? (group as [unknown, unknown, unknown]) : [];
    if (kind !== 'version' || typeof version !== 'string') {
      this.current = undefined;
      return;
    }
    if (Array.isArray(subjects)) this.subjects = new Set(subjects.map(String));
    else {
      for (const { item, reply } of sent) {
        // A begin or end that changed the state made sure its subject is in it.
        if (Array.isArray(reply) && (reply[0] === 'begun' || reply[0] === 'ended'))
          this.subjects.add((item as SubjectStep).subject);
      }
    }
    // Exact or nothing: if the count disagrees (another detector added one meanwhile, or this call made
    // the epoch field), the next call sends everything and reloads.
    const fields = Number(version.slice(version.lastIndexOf('/') + 1));
    this.current = this.subjects.size === fields ? version : undefined;
  }
}
