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
  /** Of those, from one source address (max_unauthenticated_per_address; see sourceOf). */
  maxUnauthenticatedPerAddress: number;
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
  /**
   * A connection without a certificate sent its request (an enrolment): from
   * now on the server makes it wait (its enrolment delay, the password
   * check, the answer), and a place the server itself holds waiting is
   * never taken by a newcomer.
   */
  requested(): void;
  leave(): void;
}

/** A connection without a valid client certificate, in its source's budget. */
interface Unauthenticated {
  source: string;
  /** Order of admission: among a source's connections, the youngest is evicted first. */
  seq: number;
  /** Its request arrived: the server is making it wait, it is not evicted. */
  waiting: boolean;
  evict(why: WireError): void;
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
 * handshake, first message, unauthenticated_timeout) are the listener's and
 * the session's.
 *
 * The unauthenticated budget is shared out by source address: one source
 * holds at most maxUnauthenticatedPerAddress, and when the whole budget is
 * in use a newcomer from a source holding fewer than the busiest one takes
 * the place of that source's youngest connection that has not sent its
 * request yet (evicted with a BUSY error). A connection whose request has
 * arrived is one the server itself makes wait (its enrolment delay, the
 * password check, bounded by enrol_delay_max): it is never evicted for that
 * wait, and when every place is so taken a newcomer is refused BUSY. So a
 * node whose request is in gets its answer whatever arrives after it; to
 * keep a node from getting a place at all an outsider must keep every place
 * waiting, which takes max_unauthenticated / max_unauthenticated_per_address
 * addresses guessing without pause.
 *
 * Authenticated slots are shared fairly: when they are all taken, a new
 * session ends an idle one of a node holding more (see makeRoomFor), so one
 * or two nodes holding sessions for nothing cannot keep the others out; and
 * a session idle for session_idle_timeout is ended by the session itself.
 */
export class Admission {
  private readonly pendingByAddress = new Map<string, number>();
  private unauthenticated = 0;
  /** Connections without a certificate by source. */
  private readonly unauthenticatedBySource = new Map<string, Set<Unauthenticated>>();
  private unauthenticatedSeq = 0;
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
   * budget (see the class), and a WireError BUSY is thrown when its source
   * has its share; `evict` is how it is told to go if a newcomer takes
   * its place later.
   */
  admit(address: string, certified: boolean, evict: (why: WireError) => void = () => undefined): Ticket {
    let unauthenticated: Unauthenticated | undefined;
    if (!certified) {
      try {
        unauthenticated = this.admitUnauthenticated(sourceOf(address), evict);
      } catch (err) {
        this.decrementPending(address);
        throw err;
      }
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
      requested: () => {
        if (unauthenticated) unauthenticated.waiting = true;
      },
      leave: () => {
        if (left) return;
        left = true;
        if (pending) this.decrementPending(address);
        if (unauthenticated) this.releaseUnauthenticated(unauthenticated);
        if (seat) this.vacate(seat);
      },
    };
  }

  /** Takes a place in the unauthenticated budget for `source`, evicting another if fair. */
  private admitUnauthenticated(source: string, evict: (why: WireError) => void): Unauthenticated {
    const { maxUnauthenticated, maxUnauthenticatedPerAddress } = this.limits;
    const mine = this.unauthenticatedBySource.get(source)?.size ?? 0;
    if (mine >= maxUnauthenticatedPerAddress) {
      throw new WireError(
        'BUSY',
        `${mine} connections without a client certificate are already open from ${source} (max_unauthenticated_per_address=${maxUnauthenticatedPerAddress}); let them finish, then try again`,
        true,
      );
    }
    if (this.unauthenticated >= maxUnauthenticated) {
      const victim = this.evictionCandidate(mine);
      if (!victim) {
        throw new WireError(
          'BUSY',
          `the server is busy with ${this.unauthenticated} connections without a client certificate (max_unauthenticated=${maxUnauthenticated}), each waiting for its answer or from an address holding no more than this one; try again later`,
          true,
        );
      }
      const held = this.unauthenticatedBySource.get(victim.source)?.size ?? 0;
      this.releaseUnauthenticated(victim);
      victim.evict(
        new WireError(
          'BUSY',
          `connection closed before its request to make room for another address: all ${maxUnauthenticated} places for connections without a client certificate were in use (max_unauthenticated), ${victim.source} held ${held} of them and the newcomer's address ${mine}; try again`,
          true,
        ),
      );
    }
    const entry: Unauthenticated = { source, seq: this.unauthenticatedSeq++, waiting: false, evict };
    let set = this.unauthenticatedBySource.get(source);
    if (!set) this.unauthenticatedBySource.set(source, (set = new Set()));
    set.add(entry);
    this.unauthenticated++;
    return entry;
  }

  /**
   * Among the sources holding more than `mine` (most first), the youngest
   * connection that has not sent its request: a connection the server is
   * making wait is never a candidate, and the youngest goes first so that
   * churning newcomers evict each other, not a connection that came before.
   */
  private evictionCandidate(mine: number): Unauthenticated | undefined {
    let victim: Unauthenticated | undefined;
    let victimSize = 0;
    for (const set of this.unauthenticatedBySource.values()) {
      if (set.size <= mine || set.size < victimSize) continue;
      let youngest: Unauthenticated | undefined;
      for (const e of set) if (!e.waiting && (!youngest || e.seq > youngest.seq)) youngest = e;
      if (!youngest) continue;
      if (set.size > victimSize || youngest.seq > victim!.seq) {
        victim = youngest;
        victimSize = set.size;
      }
    }
    return victim;
  }

  private releaseUnauthenticated(entry: Unauthenticated): void {
    const set = this.unauthenticatedBySource.get(entry.source);
    if (!set?.delete(entry)) return;
    this.unauthenticated--;
    if (set.size === 0) this.unauthenticatedBySource.delete(entry.source);
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

/**
 * The source an address counts as in per-address budgets: an IPv4 address
 * itself (also when written as IPv4-mapped IPv6), an IPv6 address's /64
 * (one host usually holds a whole /64, so its addresses count as one).
 */
export function sourceOf(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}
