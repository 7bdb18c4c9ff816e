import { WireError } from './wire-errors';

/** The budgets admission enforces (server.conf). */
export interface AdmissionLimits {
  /** Authenticated agents served at once (max_children). */
  maxChildren: number;
  /** Connections of one client served at once (max_sessions_per_client). */
  maxSessionsPerClient: number;
  /** Sessions beyond maxChildren that may only list and show, one per client (max_list_children). */
  maxListChildren: number;
  /** Connections without a valid client certificate (enrolment, diagnostics) at once (max_unauthenticated). */
  maxUnauthenticated: number;
  /** Connections from one address not yet authenticated: in TLS, or before their hello (max_connections_per_address). */
  maxPendingPerAddress: number;
}

/** A connection's place in admission; `leave()` when it closes (safe to call twice). */
export interface Ticket {
  /**
   * The peer proved who it is: it leaves its address's pending count and
   * takes an agent slot, or a list slot when every agent slot is taken, or
   * is refused BUSY. When every agent slot is taken, an idle session of a
   * client holding two more than this one is ended for it: `evict` is how
   * this session is ended in turn (told `why`).
   */
  authenticated(client: string, evict?: (why: string) => void): void;
  /**
   * A request starts: the session is not idle (and cannot be evicted) until
   * the returned function is called. `work` (a backup, restore or verify) in
   * a list slot needs an agent slot first: it is taken as at hello, or the
   * request is refused BUSY (a WireError, the session goes on).
   */
  request(work: boolean): () => void;
  leave(): void;
}

/** An authenticated session as admission sees it. */
interface Seat {
  client: string;
  /** A list slot (max_list_children): cheap requests only until it gets an agent slot. */
  light: boolean;
  /** Requests in progress. */
  requests: number;
  /** When its last request ended (or it authenticated). */
  idleSince: number;
  evict: (why: string) => void;
}

/**
 * Who gets in. Slots for authenticated agents (max_children) are taken only
 * once a peer has proved its identity, so peers without a certificate, or
 * slow to say hello, can never hold the slots honest nodes need: those get
 * a small budget of their own, and each address a bound on connections it
 * has not authenticated yet. The deadlines that free these budgets (TLS
 * handshake, first message) are the listener's and the session's.
 *
 * Authenticated slots are shared fairly: when they are all taken, a new
 * session ends an idle one of a node holding more (see makeRoomFor), so one
 * or two nodes holding sessions for nothing cannot keep the others out; and
 * a session idle for session_idle_timeout is ended by the session itself.
 */
export class Admission {
  private readonly pendingByAddress = new Map<string, number>();
  private unauthenticated = 0;
  private readonly clients = new Map<string, number>();
  private agents = 0;
  /** Sessions in list slots. */
  private listing = 0;
  /** Authenticated sessions, by client, for fair sharing. */
  private readonly seats = new Map<string, Set<Seat>>();

  constructor(private readonly limits: AdmissionLimits) {}

  /** Agents authenticated and connected now (in agent slots; list slots not counted). */
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
    let seat: Seat | undefined;
    let left = false;
    return {
      authenticated: (name: string, evict: (why: string) => void = () => undefined) => {
        if (client !== undefined || left) return;
        const mine = this.clients.get(name) ?? 0;
        if (mine >= this.limits.maxSessionsPerClient) {
          throw new WireError(
            'BUSY',
            `client ${name} already has ${mine} connections open (max_sessions_per_client=${this.limits.maxSessionsPerClient}); try again once they end`,
            true,
          );
        }
        const light = !this.agentSlotFor(name);
        if (light && (this.listing >= this.limits.maxListChildren || [...(this.seats.get(name) ?? [])].some((x) => x.light))) {
          throw new WireError(
            'BUSY',
            `the server is busy: ${this.agents} agents connected (max_children=${this.limits.maxChildren}), each working or within its node's fair share, and no list slot free (max_list_children=${this.limits.maxListChildren}, one per client); try again later`,
            true,
          );
        }
        if (light) this.listing++;
        else this.agents++;
        this.clients.set(name, mine + 1);
        client = name;
        seat = { client: name, light, requests: 0, idleSince: Date.now(), evict };
        this.seatsOf(name).add(seat);
        if (pending) {
          pending = false;
          this.decrementPending(address);
        }
      },
      request: (work: boolean) => {
        const s = seat;
        if (!s) return () => undefined;
        if (work && s.light) {
          if (!this.agentSlotFor(s.client)) {
            throw new WireError(
              'BUSY',
              `the server is busy: ${this.agents} agents connected (max_children=${this.limits.maxChildren}), each working or within its node's fair share; this session may list and show until one is free; try again later`,
            );
          }
          s.light = false;
          this.listing--;
          this.agents++;
        }
        s.requests++;
        let done = false;
        return () => {
          if (done) return;
          done = true;
          s.requests--;
          s.idleSince = Date.now();
        };
      },
      leave: () => {
        if (left) return;
        left = true;
        if (pending) this.decrementPending(address);
        if (!certified) this.unauthenticated--;
        if (seat) this.vacate(seat);
      },
    };
  }

  private seatsOf(client: string): Set<Seat> {
    let set = this.seats.get(client);
    if (!set) this.seats.set(client, (set = new Set()));
    return set;
  }

  /** Frees a seat's slot (once: an evicted session leaves again when its socket closes). */
  private vacate(seat: Seat): void {
    const set = this.seats.get(seat.client);
    if (!set?.delete(seat)) return;
    if (set.size === 0) this.seats.delete(seat.client);
    if (seat.light) this.listing--;
    else this.agents--;
    const n = (this.clients.get(seat.client) ?? 1) - 1;
    if (n > 0) this.clients.set(seat.client, n);
    else this.clients.delete(seat.client);
  }

  /** Agent slots `client` holds. */
  private agentSlotsOf(client: string): number {
    let n = 0;
    for (const s of this.seats.get(client) ?? []) if (!s.light) n++;
    return n;
  }

  /** Whether `client` may take an agent slot now (one is free, or fair to take: makeRoomFor); the caller takes it. */
  private agentSlotFor(client: string): boolean {
    return this.agents < this.limits.maxChildren || this.makeRoomFor(client, this.agentSlotsOf(client));
  }

  /**
   * Every agent slot is taken and `client` (holding `mine`) wants one: a slot
   * is fair to take from a client holding at least two more than `client`
   * would, round-robin by node, and only from a session with no request in
   * progress (the one idle longest of the client holding most). Nothing is
   * cut mid-request, so a node working in all its sessions keeps them.
   */
  private makeRoomFor(client: string, mine: number): boolean {
    let victim: Seat | undefined;
    let victimHolds = mine + 1;
    for (const other of this.seats.keys()) {
      const holds = this.agentSlotsOf(other);
      if (other === client || holds <= victimHolds) continue;
      let best: Seat | undefined;
      for (const s of this.seats.get(other)!) if (!s.light && s.requests === 0 && (!best || s.idleSince < best.idleSince)) best = s;
      if (best) {
        victim = best;
        victimHolds = holds;
      }
    }
    if (!victim) return false;
    const holds = victimHolds;
    this.vacate(victim);
    victim.evict(
      `session closed to make room for another node: client ${victim.client} held ${holds} of the ${this.limits.maxChildren} agent slots (max_children) while others waited; connect again when there is work`,
    );
    return true;
  }

  private decrementPending(address: string): void {
    const n = (this.pendingByAddress.get(address) ?? 1) - 1;
    if (n > 0) this.pendingByAddress.set(address, n);
    else this.pendingByAddress.delete(address);
  }
}
