/** The last answers a device sent, kept to re-publish after a reconnect (a stale-session device). */
export interface SentAnswer {
  readonly topic: string;
  readonly payload: string;
}

export class ReplayBuffer {
  private readonly items: SentAnswer[] = [];

  constructor(private readonly capacity: number) {}

  add(answer: SentAnswer): void {
    if (this.capacity <= 0) return;
    this.items.push(answer);
    if (this.items.length > this.capacity) this.items.shift();
  }

  /** Oldest first. */
  snapshot(): readonly SentAnswer[] {
    return [...this.items];
  }
}
