/**
 * Redis keys for one rule's state about one scope (usually an entity). Every key of a scope shares
 * one hash tag, so a Lua script touching them stays on one slot if the store is ever clustered.
 */
export interface ScopeKeys {
  /** The keys common to every call for this scope; a primitive picks the ones it uses. */
  base: string;
  /** The transition record an event caused, kept so that a redelivery can repeat it. */
  replayRecord(eventId: string): string;
}

class Keys implements ScopeKeys {
  constructor(readonly base: string) {}
  replayRecord(eventId: string): string {
    return `${this.base}:replay:${eventId}`;
  }
}

export function scopeKeys(keyPrefix: string, ruleId: string, scope: string): ScopeKeys {
  return new Keys(`${keyPrefix}rules:{${ruleId}|${scope}}`);
}

/** Braces in the prefix would move the hash tag and split one scope's keys across slots. */
export function checkKeyPrefix(keyPrefix: string): void {
  if (/[{}]/.test(keyPrefix))
    throw new Error(`key prefix must not contain braces: ${JSON.stringify(keyPrefix)}`);
}
