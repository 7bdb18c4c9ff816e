/**
 * One backup per client at a time. The lock lives as long as the session
 * holding it; a session whose agent died is ended by the connection's idle
 * timeout (the lease), which releases the lock.
 */
export class ClientLocks {
  private readonly held = new Map<string, { owner: object; since: number }>();

  /** Takes the lock for `client`; returns false (and who holds it since when) if taken. */
  tryAcquire(client: string, owner: object): { ok: true } | { ok: false; since: number } {
    const cur = this.held.get(client);
    if (cur && cur.owner !== owner) return { ok: false, since: cur.since };
    this.held.set(client, { owner, since: Date.now() });
    return { ok: true };
  }

  release(client: string, owner: object): void {
    if (this.held.get(client)?.owner === owner) this.held.delete(client);
  }

  isHeld(client: string): boolean {
    return this.held.has(client);
  }
}
