import { WireError } from './wire-errors';

/** The budgets admission enforces (server.conf, and the agent port's share of the open-file limit). */
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
  /** Connections from one source not yet authenticated: in their TLS handshake, or before their hello (max_connections_per_address). */
  maxPendingPerAddress: number;
  /** Connections from all sources not yet authenticated (max_pending_connections, within the agent port's share). */
  maxPending: number;
  /** How maxPending is said in refusals (`max_pending_connections=N`, and the open-file limit when that lowered it). */
  maxPendingBound?: string;
  /** Connections the agent port holds at once, whatever their state: its share of the open-file limit (Infinity: unknown). */
  maxPortConnections: number;
  /** Milliseconds a session may take nothing of what it is sent before its agent slot may go to another node (stall_share_timeout). */
  stallShareMs: number;
}

/** A TCP connection on the agent port as admission sees it, from its accept until it closes. */
export interface PortConnection {
  /** Its source (sourceOf its address). */
  readonly source: string;
  /** Its TLS handshake completed: it is never dropped to make room for a newcomer from now on. */
  secured(): void;
  /** Its socket closed (safe to call more than once). */
  closed(): void;
}

/** How admission reaches an authenticated session. */
export interface SeatHooks {
  /**
   * Ends the session to give its agent slot to `forClient`, telling it
   * `why`: `stalled` when a request is running whose peer takes nothing of
   * what it is sent (the session cannot wait for the request to end), else
   * between requests.
   */
  evict(why: string, stalled: boolean, forClient: string): void;
  /** Milliseconds since the peer last took a byte of what waits to be sent to it; undefined when nothing waits. */
  blockedMs(): number | undefined;
}

/** A connection's place in admission; `leave()` when it closes (safe to call twice). */
export interface Ticket {
  /**
   * The peer proved who it is: it leaves its source's pending count and
   * takes an agent slot, or a list slot when every agent slot is taken, or
   * waits for one (see Admission) or is refused BUSY. When every agent slot
   * is taken, a session of another node is ended for it when fair (see
   * makeRoomFor): `hooks.evict` is how this session is ended in turn.
   */
  authenticated(client: string, hooks?: SeatHooks): Promise<void>;
  /**
   * A request starts: the session is not idle (and is evicted only if its
   * peer stalls) until the returned function is called. `work` (a backup,
   * restore or verify) in a list slot needs an agent slot first: it is
   * taken as at hello, or the request is refused BUSY (a WireError, the
   * session goes on).
   */
  request(work: boolean): Promise<() => void>;
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
  hooks: SeatHooks;
}

/** A connection on the agent port (see PortConnection). */
class Connection implements PortConnection {
  /** Counted among the connections not yet authenticated of its source. */
  pending = true;
  /** Counted among the agent port's connections. */
  open = true;
  /** Its TLS handshake completed. */
  secure = false;

  constructor(
    readonly source: string,
    /** Order of arrival: the oldest in its handshake is dropped first. */
    readonly seq: number,
    readonly drop: (why: string) => void,
    private readonly admission: Admission,
  ) {}

  secured(): void {
    this.secure = true;
  }

  closed(): void {
    this.admission.release(this);
  }
}

/** The refusal of a connection before TLS: why, for the log (no frame can tell the peer). */
export interface ConnectRefusal {
  refused: string;
}

/**
 * Who gets in. Slots for authenticated agents (max_children) are taken only
 * once a peer has proved its identity, so peers without a certificate, or
 * slow to say hello, can never hold the slots honest nodes need: those get
 * budgets of their own.
 *
 * Connections not yet authenticated (in their TLS handshake, or before
 * their hello) are bounded per source (maxPendingPerAddress) and in all
 * (maxPending), and every connection of the agent port counts against its
 * share of the open-file limit (maxPortConnections). When a newcomer finds
 * the total or the port full, the oldest connection still in its TLS
 * handshake (or else past TLS and before its hello) of the source holding
 * the most (more than the newcomer's) is dropped in its place; an
 * authenticated one never is, and when none can be the newcomer is refused. So a flood of
 * connections that never begin TLS, from any number of addresses, churns
 * through its own places: a node's handshake, which takes milliseconds,
 * completes and its connection is kept. The handshake deadline
 * (handshake_timeout) is the listener's.
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
 * session ends an idle one of a node holding more, or one whose peer has
 * taken nothing of what it is sent for stallShareMs (see makeRoomFor), so
 * nodes holding sessions for nothing cannot keep the others out; when only
 * such a stall can make room, the newcomer waits for it (at most
 * stallShareMs) rather than being refused. A session idle for
 * session_idle_timeout is ended by the session itself.
 */
export class Admission {
  /** Connections not yet authenticated, by source, in order of arrival. */
  private readonly pendingBySource = new Map<string, Set<Connection>>();
  private pendingCount = 0;
  /** Connections the agent port holds (from accept to close, or until dropped). */
  private portOpen = 0;
  private connectionSeq = 0;
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
  /** Sessions waiting for an agent slot: woken when one is freed. */
  private readonly wakers = new Set<() => void>();
  private readonly limits: AdmissionLimits;

  /**
   * `failuresOf`: failed enrolment attempts lately seen from a source (the
   * enrolment guard's count): a waiting request from a source with more of
   * them than a newcomer's gives its place up (see evictionCandidate).
   */
  constructor(
    limits: AdmissionLimits,
    private readonly failuresOf: (source: string) => number = () => 0,
  ) {
    this.limits = { ...limits };
  }

  /** Agents authenticated and connected now (in agent slots; list slots not counted). */
  get agentCount(): number {
    return this.agents;
  }

  /** Connections not yet authenticated now, and the agent port's connections now. */
  get connectionCounts(): { pending: number; port: number } {
    return { pending: this.pendingCount, port: this.portOpen };
  }

  /** The agent port's share of the open-file limit, once known: its connections, and of those the ones not yet authenticated. */
  sharePort(maxPortConnections: number, maxPending: number, maxPendingBound: string): void {
    Object.assign(this.limits, { maxPortConnections, maxPending, maxPendingBound });
  }

  /**
   * A new TCP connection from `address`: its place, or why it is refused
   * (close it at once). Taking a place may drop another connection still in
   * its TLS handshake (see the class): `drop` is how this one is dropped in
   * turn, told why (for the log).
   */
  connect(address: string, drop: (why: string) => void): PortConnection | ConnectRefusal {
    const source = sourceOf(address);
    const { maxPendingPerAddress, maxPending, maxPortConnections } = this.limits;
    const mine = this.pendingBySource.get(source)?.size ?? 0;
    if (mine >= maxPendingPerAddress) {
      return { refused: `${mine} connections from ${source} have not authenticated yet (max_connections_per_address=${maxPendingPerAddress})` };
    }
    const full =
      this.pendingCount >= maxPending
        ? `all ${this.pendingCount} places for connections not yet authenticated are taken (${this.limits.maxPendingBound ?? `max_pending_connections=${maxPending}`})`
        : this.portOpen >= maxPortConnections
          ? `the agent port holds its share of the open-file limit (${maxPortConnections} connections)`
          : undefined;
    if (full) {
      const victim = this.handshakeVictim(mine);
      if (!victim) return { refused: `${full}, none of them from an address holding more than ${source} (${mine})` };
      const held = this.pendingBySource.get(victim.source)?.size ?? 0;
      // Its descriptor is closed as it is dropped: its places are free now.
      this.release(victim);
      victim.drop(
        `dropped ${victim.secure ? 'before its hello' : 'in its TLS handshake'} to make room: ${full}; ${victim.source} held ${held} connections not yet authenticated, the newcomer's address ${source} ${mine}`,
      );
    }
    const c = new Connection(source, this.connectionSeq++, drop, this);
    let set = this.pendingBySource.get(source);
    if (!set) this.pendingBySource.set(source, (set = new Set()));
    set.add(c);
    this.pendingCount++;
    this.portOpen++;
    return c;
  }

  /**
   * Among the sources holding more than `mine` not yet authenticated (most
   * first), the oldest connection still in its TLS handshake, or failing
   * that the oldest past TLS that has not said hello: a node says hello the
   * moment its handshake ends, so only a peer holding its place for nothing
   * waits there (any certificate our CA signed, even a revoked one, gets that
   * far). The oldest goes first, so that a node's handshake and hello, quick,
   * complete while a flood churns through its own.
   */
  private handshakeVictim(mine: number): Connection | undefined {
    let victim: Connection | undefined;
    let victimSize = 0;
    const rank = (c: Connection) => (c.secure ? 1 : 0); // in its handshake first
    for (const set of this.pendingBySource.values()) {
      if (set.size <= mine || set.size < victimSize) continue;
      let oldest: Connection | undefined;
      // A set keeps its order of insertion: the first of each kind is the oldest.
      for (const c of set) if (!oldest || rank(c) < rank(oldest)) oldest = c;
      if (!oldest) continue;
      if (set.size > victimSize || rank(oldest) < rank(victim!) || (rank(oldest) === rank(victim!) && oldest.seq < victim!.seq)) {
        victim = oldest;
        victimSize = set.size;
      }
    }
    return victim;
  }

  /** `c` is no longer counted as not yet authenticated. */
  private settle(c: Connection): void {
    if (!c.pending) return;
    c.pending = false;
    this.pendingCount--;
    const set = this.pendingBySource.get(c.source);
    set?.delete(c);
    if (set?.size === 0) this.pendingBySource.delete(c.source);
  }

  /** `c` closed or was dropped: it leaves every count (once). */
  release(c: Connection): void {
    this.settle(c);
    if (!c.open) return;
    c.open = false;
    this.portOpen--;
  }

  /**
   * The TLS handshake of `connection` completed. `certified`: the peer
   * presented a certificate chaining to our CA (it stays not yet
   * authenticated until its hello); otherwise it joins the unauthenticated
   * budget (see the class), and a WireError BUSY is thrown when its source
   * has its share; `evict` is how it is told to go if a newcomer takes its
   * place later.
   */
  admit(connection: PortConnection, certified: boolean, evict: (why: WireError) => void = () => undefined): Ticket {
    const conn = connection as Connection;
    conn.secured();
    let unauthenticated: Unauthenticated | undefined;
    if (!certified) {
      // It has a budget of its own from now on.
      this.settle(conn);
      unauthenticated = this.admitUnauthenticated(conn.source, evict);
    }
    let client: string | undefined;
    let seat: Seat | undefined;
    let left = false;
    return {
      authenticated: async (name: string, hooks: SeatHooks = { evict: () => undefined, blockedMs: () => undefined }) => {
        if (client !== undefined || left) return;
        const mine = this.clients.get(name) ?? 0;
        if (mine >= this.limits.maxSessionsPerClient) {
          throw new WireError(
            'BUSY',
            `client ${name} already has ${mine} connections open (max_sessions_per_client=${this.limits.maxSessionsPerClient}); try again once they end`,
            true,
          );
        }
        // Counted while it waits, so that sessions of one client waiting together keep to its bound.
        this.clients.set(name, mine + 1);
        let light = !this.takeAgentSlot(name);
        if (light && (this.listing >= this.limits.maxListChildren || [...(this.seats.get(name) ?? [])].some((x) => x.light))) {
          if (!(await this.waitForSlot(name))) {
            this.dropClient(name);
            throw new WireError(
              'BUSY',
              `the server is busy: ${this.agents} agents connected (max_children=${this.limits.maxChildren}), each working or within its node's fair share, and no list slot free (max_list_children=${this.limits.maxListChildren}, one per client); try again later`,
              true,
            );
          }
          light = false;
        }
        if (light) this.listing++;
        client = name;
        seat = { client: name, light, requests: 0, idleSince: Date.now(), hooks };
        this.seatsOf(name).add(seat);
        this.settle(conn);
      },
      request: async (work: boolean) => {
        const s = seat;
        if (!s) return () => undefined;
        if (work && s.light) {
          if (!this.takeAgentSlot(s.client) && !(await this.waitForSlot(s.client))) {
            throw new WireError(
              'BUSY',
              `the server is busy: ${this.agents} agents connected (max_children=${this.limits.maxChildren}), each working or within its node's fair share; this session may list and show until one is free; try again later`,
            );
          }
          s.light = false;
          this.listing--;
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
        this.settle(conn);
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
      const victim = this.evictionCandidate(mine) ?? this.failingCandidate(source);
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
        victim.waiting
          ? new WireError(
              'BUSY',
              `enrolment attempt closed to make room for another address: all ${maxUnauthenticated} places for connections without a client certificate were in use (max_unauthenticated), ` +
                `and ${victim.source} has ${this.failuresOf(victim.source)} failed attempts lately, more than the newcomer's address; try again later with the right password`,
              true,
            )
          : new WireError(
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

  /**
   * When every place waits for its answer: the youngest waiting request of
   * the source with the most failed enrolment attempts lately, if it has
   * more than the newcomer's source. Guessing from a few addresses cannot
   * then keep every place (each guess that fails marks its address); a
   * source with no failures (a node's first try) is never evicted this way.
   */
  private failingCandidate(newcomer: string): Unauthenticated | undefined {
    const floor = this.failuresOf(newcomer);
    let victim: Unauthenticated | undefined;
    let most = 0;
    for (const [source, set] of this.unauthenticatedBySource) {
      const failures = this.failuresOf(source);
      if (failures <= floor) continue;
      let youngest: Unauthenticated | undefined;
      for (const e of set) if (e.waiting && (!youngest || e.seq > youngest.seq)) youngest = e;
      if (!youngest) continue;
      if (!victim || failures > most || (failures === most && youngest.seq > victim.seq)) {
        victim = youngest;
        most = failures;
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

  /** Frees a seat's slot (once: an evicted session leaves again when its socket closes); a session waiting for a slot may take it. */
  private vacate(seat: Seat): void {
    const set = this.seats.get(seat.client);
    if (!set?.delete(seat)) return;
    if (set.size === 0) this.seats.delete(seat.client);
    if (seat.light) this.listing--;
    else this.agents--;
    this.dropClient(seat.client);
    for (const wake of [...this.wakers]) wake();
  }

  /** One session fewer of `client`. */
  private dropClient(client: string): void {
    const n = (this.clients.get(client) ?? 1) - 1;
    if (n > 0) this.clients.set(client, n);
    else this.clients.delete(client);
  }

  /** Agent slots `client` holds. */
  private agentSlotsOf(client: string): number {
    let n = 0;
    for (const s of this.seats.get(client) ?? []) if (!s.light) n++;
    return n;
  }

  /**
   * Takes an agent slot for `client` if one is free or fair to take
   * (makeRoomFor): counted at once, so that no session woken meanwhile
   * takes the slot made for this one. The caller seats it.
   */
  private takeAgentSlot(client: string): boolean {
    if (this.agents >= this.limits.maxChildren && !this.makeRoomFor(client)) return false;
    this.agents++;
    return true;
  }

  /** Milliseconds `seat`'s peer has taken nothing while more waits to be sent to it, or undefined (nothing waits). */
  private blocked(seat: Seat): number | undefined {
    return seat.light ? undefined : seat.hooks.blockedMs();
  }

  /** Whether `seat` is stalled: its peer has taken nothing of what waits to be sent to it for stallShareMs. */
  private stalled(seat: Seat): boolean {
    return (this.blocked(seat) ?? -1) >= this.limits.stallShareMs;
  }

  /**
   * How many agent slots another node must hold for `client` (holding
   * `mine`) to take one of its stalled sessions: one more than `client`
   * would, so that nodes each holding one stalled session cannot keep a
   * newcomer out; two more, as for idle sessions, when `client` itself
   * holds a stalled one, so that nodes which both stall do not take slots
   * from each other by turns.
   */
  private stalledThreshold(client: string, mine: number): number {
    const stalling = [...(this.seats.get(client) ?? [])].some((s) => this.stalled(s));
    return mine + (stalling ? 2 : 1);
  }

  /**
   * Every agent slot is taken and `client` wants one. A slot is fair to take
   * from another node that holds at least two more than `client` would, in
   * a session with no request in progress (the one idle longest), or, in a
   * session whose peer has taken nothing of what it is sent for
   * stallShareMs (whatever it is doing: it is not working), from a node
   * holding more than `client` would (see stalledThreshold). The node
   * holding most gives first, its stalled sessions (the longest stalled)
   * before its idle ones. A session whose peer takes what it is sent is
   * never cut mid-request, so a node working in all its sessions keeps
   * them. The victim is told why.
   */
  private makeRoomFor(client: string): boolean {
    const mine = this.agentSlotsOf(client);
    const stalledNeed = this.stalledThreshold(client, mine);
    let victim: { seat: Seat; holds: number; stalledMs: number | undefined } | undefined;
    for (const [other, seats] of this.seats) {
      if (other === client) continue;
      const holds = this.agentSlotsOf(other);
      if (victim && holds < victim.holds) continue;
      let best: { seat: Seat; stalledMs: number | undefined } | undefined;
      for (const s of seats) {
        if (s.light) continue;
        const ms = this.blocked(s) ?? -1;
        if (holds >= stalledNeed && ms >= this.limits.stallShareMs) {
          if (best?.stalledMs === undefined || ms > best.stalledMs) best = { seat: s, stalledMs: ms };
        } else if (holds >= mine + 2 && s.requests === 0 && best?.stalledMs === undefined && (!best || s.idleSince < best.seat.idleSince)) {
          best = { seat: s, stalledMs: undefined };
        }
      }
      if (!best) continue;
      if (!victim || holds > victim.holds || (best.stalledMs !== undefined && victim.stalledMs === undefined)) victim = { ...best, holds };
    }
    if (!victim) return false;
    const { seat, holds, stalledMs } = victim;
    this.vacate(seat);
    const { maxChildren, stallShareMs } = this.limits;
    if (stalledMs !== undefined) {
      seat.hooks.evict(
        `session closed to make room for another node: its peer had taken nothing of what was sent to it for ${Math.floor(stalledMs / 1000)} s (stall_share_timeout=${stallShareMs / 1000}) while client ${seat.client} held ${holds} of the ${maxChildren} agent slots (max_children) and another node waited; connect again when this node can take what it asks for`,
        true,
        client,
      );
    } else {
      seat.hooks.evict(
        `session closed to make room for another node: client ${seat.client} held ${holds} of the ${maxChildren} agent slots (max_children) while others waited; connect again when there is work`,
        false,
        client,
      );
    }
    return true;
  }

  /**
   * No agent slot can be had for `client` now. If sessions of other nodes
   * that it could take once stalled have a peer taking nothing of what it
   * is sent, it waits until the first of them has stalled for
   * stallShareMs (or a slot is freed), and takes a slot if one can be had
   * then; it waits stallShareMs at most, so a stalled session cannot hold
   * a slot much longer than that while another node waits. Resolves true
   * once a slot is taken (takeAgentSlot), false when none.
   */
  private async waitForSlot(client: string): Promise<boolean> {
    const until = Date.now() + this.limits.stallShareMs;
    for (;;) {
      if (this.takeAgentSlot(client)) return true;
      const now = Date.now();
      const due = this.nextStall(client, now);
      if (due === undefined || now >= until) return false;
      await this.sleep(Math.min(due, until) - now);
    }
  }

  /** When the first session `client` could take once stalled will have stalled for stallShareMs if its peer goes on taking nothing; undefined if none is blocked. */
  private nextStall(client: string, now: number): number | undefined {
    const mine = this.agentSlotsOf(client);
    const need = this.stalledThreshold(client, mine);
    let due: number | undefined;
    for (const [other, seats] of this.seats) {
      if (other === client || this.agentSlotsOf(other) < need) continue;
      for (const s of seats) {
        const ms = this.blocked(s);
        if (ms === undefined) continue;
        const at = now + Math.max(0, this.limits.stallShareMs - ms);
        if (due === undefined || at < due) due = at;
      }
    }
    return due;
  }

  /** Resolves after `ms`, or as soon as a slot is freed. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(1, ms));
      timer.unref();
      this.wakers.add(wake);
    });
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
