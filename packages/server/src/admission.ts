import { WireError } from './wire-errors';

/** The budgets admission enforces (server.conf). */
export interface AdmissionLimits {
  /** Authenticated agents served at once (max_children). */
  maxChildren: number;
  /** Connections of one client served at once (max_sessions_per_client). */
  maxSessionsPerClient: number;
  /** Connections without a valid client certificate (enrolment, diagnostics) at once (max_unauthenticated). */
  maxUnauthenticated: number;
  /** Connections from one address not yet authenticated: in TLS, or before their hello (max_connections_per_address). */
  maxPendingPerAddress: number;
}

/** A connection's place in admission; `leave()` when it closes (safe to call twice). */
export interface Ticket {
  /** The peer proved who it is: it leaves its address's pending count and takes an agent slot, or is refused BUSY. */
  authenticated(client: string): void;
  leave(): void;
}

/**
 * Who gets in. Slots for authenticated agents (max_children) are taken only
 * once a peer has proved its identity, so peers without a certificate, or
 * slow to say hello, can never hold the slots honest nodes need: those get
 * a small budget of their own, and each address a bound on connections it
 * has not authenticated yet. The deadlines that free these budgets (TLS
 * handshake, first message) are the listener's and the session's.
 */
export class Admission {
  private readonly pendingByAddress = new Map<string, number>();
  private unauthenticated = 0;
  private readonly clients = new Map<string, number>();
  private agents = 0;

  constructor(private readonly limits: AdmissionLimits) {}

  /** Agents authenticated and connected now. */
  get agentCount(): number {
    return this.agents;
  }

  /** A new TCP connection: false if its address already has too many not authenticated (drop it at once). */
  tryConnect(address: string): boolean {
    const n = this.pendingByAddress.get(address) ?? 0;
    if (n >= this.limits.maxPendingPerAddress) return false;
    this.pendingByAddress.set(address, n + 1);
    return true;
  }

  /** The connection from `address` closed before its TLS handshake completed. */
  disconnectPending(address: string): void {
    this.decrementPending(address);
  }

  /**
   * The TLS handshake completed. `certified`: the peer presented a
   * certificate chaining to our CA; otherwise it joins the unauthenticated
   * budget, and a WireError BUSY is thrown when that is full.
   */
  admit(address: string, certified: boolean): Ticket {
    if (!certified) {
      if (this.unauthenticated >= this.limits.maxUnauthenticated) {
        this.decrementPending(address);
        throw new WireError(
          'BUSY',
          `the server is busy with ${this.unauthenticated} connections without a client certificate (max_unauthenticated=${this.limits.maxUnauthenticated}); try again later`,
          true,
        );
      }
      this.unauthenticated++;
    }
    let pending = true;
    let client: string | undefined;
    let left = false;
    return {
      authenticated: (name: string) => {
        if (client !== undefined || left) return;
        const mine = this.clients.get(name) ?? 0;
        if (mine >= this.limits.maxSessionsPerClient) {
          throw new WireError(
            'BUSY',
            `client ${name} already has ${mine} connections open (max_sessions_per_client=${this.limits.maxSessionsPerClient}); try again once they end`,
            true,
          );
        }
        if (this.agents >= this.limits.maxChildren) {
          throw new WireError('BUSY', `the server is busy: ${this.agents} agents connected (max_children=${this.limits.maxChildren}); try again later`, true);
        }
        this.clients.set(name, mine + 1);
        this.agents++;
        client = name;
        if (pending) {
          pending = false;
          this.decrementPending(address);
        }
      },
      leave: () => {
        if (left) return;
        left = true;
        if (pending) this.decrementPending(address);
        if (!certified) this.unauthenticated--;
        if (client !== undefined) {
          this.agents--;
          const n = (this.clients.get(client) ?? 1) - 1;
          if (n > 0) this.clients.set(client, n);
          else this.clients.delete(client);
        }
      },
    };
  }

  private decrementPending(address: string): void {
    const n = (this.pendingByAddress.get(address) ?? 1) - 1;
    if (n > 0) this.pendingByAddress.set(address, n);
    else this.pendingByAddress.delete(address);
  }
}
