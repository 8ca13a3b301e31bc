/**
 * Turns a condition sampled on every watchdog tick into at most one raise and one resolve per fault
 * episode (Falco's drop alarms: a fault is one alert, not one per sample). A condition must hold for
 * `raiseAfterMs` before it is raised, and be gone for `resolveAfterMs` before it is resolved, so a
 * value hovering at its threshold does not flap. New raises are capped per hour across all faults.
 */
export interface FaultEpisode {
  startedAt: number;
  raised: boolean;
  /** When the condition was last seen healthy after being raised; undefined while faulty. */
  healthySince?: number;
}

export type FaultTransition = 'raise' | 'resolve' | 'suppressed' | null;

export interface FaultTrackerOptions {
  resolveAfterMs: number;
  maxRaisesPerHour: number;
}

export class FaultTracker {
  private readonly episodes = new Map<string, FaultEpisode>();
  private readonly raises: number[] = [];
  /** Raises handed out and not yet confirmed: they hold a slot of the hourly cap. */
  private readonly reserved = new Set<string>();

  constructor(private readonly options: FaultTrackerOptions) {}

  /**
   * The transition a sample asks for. The caller applies it and then calls `confirm` (raise or
   * resolve written); an unconfirmed transition is asked for again on the next sample.
   */
  observe(id: string, faulty: boolean, now: number, raiseAfterMs: number): FaultTransition {
    const episode = this.episodes.get(id);
    if (faulty) {
      if (!episode) {
        this.episodes.set(id, { startedAt: now, raised: false });
        return raiseAfterMs <= 0 ? this.admit(id, now) : null;
      }
      episode.healthySince = undefined;
      if (episode.raised || now - episode.startedAt < raiseAfterMs) return null;
      return this.admit(id, now);
    }
    if (!episode) return null;
    if (!episode.raised) {
      this.episodes.delete(id);
      this.reserved.delete(id);
      return null;
    }
    episode.healthySince ??= now;
    return now - episode.healthySince >= this.options.resolveAfterMs ? 'resolve' : null;
  }

  episode(id: string): FaultEpisode | undefined {
    return this.episodes.get(id);
  }

  /** Adopts an episode raised before this process started (an open incident found in the register). */
  adopt(id: string, startedAt: number): void {
    if (!this.episodes.has(id)) this.episodes.set(id, { startedAt, raised: true });
  }

  confirm(id: string, transition: 'raise' | 'resolve', now: number): void {
    const episode = this.episodes.get(id);
    if (!episode) return;
    if (transition === 'resolve') {
      this.episodes.delete(id);
      return;
    }
    episode.raised = true;
    this.reserved.delete(id);
    this.raises.push(now);
  }

  /** Ids of the episodes raised and not resolved. */
  raisedIds(): string[] {
    return [...this.episodes].filter(([, episode]) => episode.raised).map(([id]) => id);
  }

  private admit(id: string, now: number): FaultTransition {
    while (this.raises.length > 0 && (this.raises[0] ?? 0) <= now - 3_600_000) this.raises.shift();
    const others = [...this.reserved].filter((other) => other !== id).length;
    if (this.raises.length + others >= this.options.maxRaisesPerHour) return 'suppressed';
    this.reserved.add(id);
    return 'raise';
  }
}
