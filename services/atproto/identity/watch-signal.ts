/** Tells the firehose ingest in this process that who we watch changed (someone linked or unlinked). */
export class AtprotoWatchSignal {
  private readonly listeners = new Set<() => void>();

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(): void {
    for (const l of this.listeners) l();
  }
}
