/**
 * Tells the ingest in this process that who we watch changed (someone linked or unlinked a
 * key), so their notes are picked up now rather than at the next periodic refresh.
 */
export class NostrWatchSignal {
  private readonly listeners = new Set<() => void>();

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(): void {
    for (const l of this.listeners) l();
  }
}
