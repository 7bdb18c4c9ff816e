import { Admission, type AdmissionLimits, type ConnectRefusal, type PortConnection, type SeatHooks, type Ticket } from './admission';
import { WireError } from './wire-errors';

const LIMITS: AdmissionLimits = {
  maxChildren: 5,
  maxSessionsPerClient: 4,
  maxListChildren: 5,
  maxUnauthenticated: 16,
  maxUnauthenticatedPerAddress: 2,
  maxPendingPerAddress: 32,
  maxPending: 128,
  maxPortConnections: Number.MAX_SAFE_INTEGER,
  stallShareMs: 15_000,
};

/** A connection as the listener makes it: its place, and why it was dropped if it was. */
function connect(a: Admission, address: string): { place: PortConnection; dropped: string[] } {
  const dropped: string[] = [];
  const place = a.connect(address, (why) => dropped.push(why));
  if ('refused' in place) throw new Error(`refused: ${place.refused}`);
  return { place, dropped };
}

function refusal(a: Admission, address: string): string {
  const place = a.connect(address, () => undefined);
  expect(place).toHaveProperty('refused');
  return (place as ConnectRefusal).refused;
}

describe('connections not yet authenticated', () => {
  test('when all places are taken, the oldest still in its handshake of the busiest source is dropped for a newcomer from a source holding fewer', () => {
    const a = new Admission({ ...LIMITS, maxPending: 6 });
    const flood = [1, 2, 3, 4].map(() => connect(a, '10.0.0.9'));
    const other = [1, 2].map(() => connect(a, '10.0.0.8'));
    // The oldest of the flood has finished TLS: it is never dropped; the next oldest goes.
    a.admit(flood[0]!.place, true);
    const honest = connect(a, '10.0.0.1');
    expect(flood.map((f) => f.dropped.length)).toEqual([0, 1, 0, 0]);
    expect(flood[1]!.dropped[0]).toBe(
      "dropped in its TLS handshake to make room: all 6 places for connections not yet authenticated are taken (max_pending_connections=6); 10.0.0.9 held 4 connections not yet authenticated, the newcomer's address 10.0.0.1 0",
    );
    expect(other.map((f) => f.dropped.length)).toEqual([0, 0]);
    expect(a.connectionCounts).toEqual({ pending: 6, port: 6 });
    // The busiest source itself gets no more (it would only churn its own); nor does one holding as many as the busiest.
    expect(refusal(a, '10.0.0.9')).toMatch(
      /^all 6 places .* taken \(max_pending_connections=6\), none of them from an address holding more than 10\.0\.0\.9 \(3\)$/,
    );
    expect(honest.dropped).toEqual([]);
    // A dropped connection's close later changes nothing; a closed one frees its place.
    flood[1]!.place.closed();
    expect(a.connectionCounts).toEqual({ pending: 6, port: 6 });
    other[0]!.place.closed();
    expect(a.connectionCounts).toEqual({ pending: 5, port: 5 });
  });

  test('the agent port full of authenticated sessions: a newcomer takes the place of a connection in its handshake, never of a session', async () => {
    const a = new Admission({ ...LIMITS, maxPortConnections: 3 });
    const s = connect(a, '10.0.0.7');
    await a.admit(s.place, true).authenticated('alice');
    const flood = [1, 2].map(() => connect(a, '10.0.0.9'));
    connect(a, '10.0.0.1');
    expect([s.dropped, ...flood.map((f) => f.dropped)].map((d) => d.length)).toEqual([0, 1, 0]);
    expect(flood[0]!.dropped[0]).toMatch(
      /^dropped in its TLS handshake to make room: the agent port holds its share of the open-file limit \(3 connections\);/,
    );
  });

  test('connections past TLS that never say hello (any certificate our CA signed, even a revoked one) give their places to a newcomer, oldest first', async () => {
    const a = new Admission({ ...LIMITS, maxPending: 4 });
    const idle = [1, 2, 3, 4].map(() => connect(a, '10.0.0.9'));
    for (const c of idle) a.admit(c.place, true); // certified, then silent
    const honest = connect(a, '10.0.0.1');
    expect(idle.map((c) => c.dropped.length)).toEqual([1, 0, 0, 0]);
    expect(idle[0]!.dropped[0]).toMatch(/^dropped before its hello to make room: all 4 places for connections not yet authenticated are taken/);
    // The newcomer says hello at once: it is authenticated and no longer counted, never dropped.
    await a.admit(honest.place, true).authenticated('bob');
    connect(a, '10.0.0.2'); // the place bob's hello freed
    connect(a, '10.0.0.3');
    expect(honest.dropped).toEqual([]);
    expect(idle.map((c) => c.dropped.length)).toEqual([1, 1, 0, 0]);
  });

  test('one source holds max_connections_per_address; an IPv6 /64 is one source, an IPv4-mapped address the IPv4 one', () => {
    const a = new Admission({ ...LIMITS, maxPendingPerAddress: 2 });
    connect(a, '2001:db8:1:2::1');
    connect(a, '2001:db8:1:2:ffff::9');
    expect(refusal(a, '2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe(
      '2 connections from 2001:db8:1:2::/64 have not authenticated yet (max_connections_per_address=2)',
    );
    connect(a, '2001:db8:1:3::1');
    connect(a, '192.0.2.1');
    connect(a, '::ffff:192.0.2.1');
    expect(refusal(a, '192.0.2.1')).toBe('2 connections from 192.0.2.1 have not authenticated yet (max_connections_per_address=2)');
  });

  test('a connection without a certificate leaves them for its own budget; one with a certificate once its hello is in', async () => {
    const a = new Admission(LIMITS);
    const anon = connect(a, '10.0.0.5');
    a.admit(anon.place, false);
    const node = connect(a, '10.0.0.6');
    const ticket = a.admit(node.place, true);
    expect(a.connectionCounts).toEqual({ pending: 1, port: 2 });
    await ticket.authenticated('alice');
    expect(a.connectionCounts).toEqual({ pending: 0, port: 2 });
    node.place.closed();
    anon.place.closed();
    expect(a.connectionCounts).toEqual({ pending: 0, port: 0 });
  });
});

/** An authenticated session whose peer's progress the test sets: `blockedSince` undefined when nothing waits to be sent to it. */
class FakePeer {
  blockedSince: number | undefined;
  readonly evictions: Array<{ why: string; stalled: boolean; forClient: string }> = [];
  ticket!: Ticket;
  /** Ends its request. */
  done: () => void = () => undefined;
  readonly hooks: SeatHooks = {
    evict: (why, stalled, forClient) => this.evictions.push({ why, stalled, forClient }),
    blockedMs: () => (this.blockedSince === undefined ? undefined : Date.now() - this.blockedSince),
  };

  /** Stalled (its peer taking nothing) for `ms` already. */
  stall(ms: number): this {
    this.blockedSince = Date.now() - ms;
    return this;
  }
}

let next = 1;
async function session(a: Admission, client: string): Promise<FakePeer> {
  const peer = new FakePeer();
  const { place } = connect(a, `10.1.0.${next++}`);
  peer.ticket = a.admit(place, true);
  await peer.ticket.authenticated(client, peer.hooks);
  return peer;
}

/** `client` holds `n` agent slots, each running a request (a restore, say). */
async function working(a: Admission, client: string, n: number): Promise<FakePeer[]> {
  const peers: FakePeer[] = [];
  for (let i = 0; i < n; i++) {
    const p = await session(a, client);
    p.done = await p.ticket.request(true);
    peers.push(p);
  }
  return peers;
}

describe('agent slots and stalled sessions', () => {
  test('the node holding most gives first, its stalled sessions before its idle ones; a session whose peer takes what it is sent is never taken mid-request', async () => {
    const a = new Admission(LIMITS);
    const alice = await working(a, 'alice', 3);
    const bob = await working(a, 'bob', 2);
    // Alice: one session working with its peer reading (blocked a moment, as any transfer is), one stalled, one idle.
    alice[0]!.stall(1000);
    alice[1]!.stall(60_000);
    alice[2]!.done();
    expect(a.agentCount).toBe(5);
    bob[0]!.stall(120_000); // longer, but bob holds fewer
    await (await session(a, 'carol')).ticket.request(true);
    expect(alice[1]!.evictions).toEqual([
      {
        why: 'session closed to make room for another node: its peer had taken nothing of what was sent to it for 60 s (stall_share_timeout=15) while client alice held 3 of the 5 agent slots (max_children) and another node waited; connect again when this node can take what it asks for',
        stalled: true,
        forClient: 'carol',
      },
    ]);
    expect([...alice, ...bob].filter((p) => p !== alice[1]).flatMap((p) => p.evictions)).toEqual([]);
    expect(a.agentCount).toBe(5);
    // Alice and bob now hold two each: bob's stalled session goes before alice's idle one, then that one; never the one whose peer reads.
    await session(a, 'dave');
    expect(bob[0]!.evictions.map((e) => [e.stalled, e.forClient])).toEqual([[true, 'dave']]);
    await session(a, 'erin');
    expect(alice[2]!.evictions.map((e) => [e.stalled, e.forClient])).toEqual([[false, 'erin']]);
    expect(alice[2]!.evictions[0]!.why).toBe(
      'session closed to make room for another node: client alice held 2 of the 5 agent slots (max_children) while others waited; connect again when there is work',
    );
    await expect(session(a, 'fred')).resolves.toBeDefined(); // a list slot: nothing more is fair to take
    expect([alice[0], bob[1]].flatMap((p) => p!.evictions)).toEqual([]);
  });

  test('nodes holding one stalled session each give way to a newcomer holding none; nodes that both stall do not take slots from each other by turns', async () => {
    const a = new Admission(LIMITS);
    const five = await Promise.all(['n1', 'n2', 'n3', 'n4', 'n5'].map(async (n) => (await working(a, n, 1))[0]!.stall(20_000)));
    const newcomer = await session(a, 'honest');
    await newcomer.ticket.request(true);
    expect(five.filter((p) => p.evictions.length > 0)).toHaveLength(1);

    const b = new Admission(LIMITS);
    const x = await working(b, 'x', 3);
    const y = await working(b, 'y', 2);
    for (const p of [...x, ...y]) p.stall(20_000);
    // y holds 2 and stalls: x, holding 3, is not two more than y would hold.
    const yMore = await session(b, 'y');
    await expect(yMore.ticket.request(true)).rejects.toThrow(WireError);
    expect([...x, ...y].flatMap((p) => p.evictions)).toEqual([]);
    // A newcomer that does not stall takes from x.
    await (await session(b, 'z')).ticket.request(true);
    expect(x.filter((p) => p.evictions.length > 0)).toHaveLength(1);
  });

  test('a newcomer waits for a session whose peer takes nothing to have stalled stall_share_timeout, then takes its slot; not if the peer takes some meanwhile', async () => {
    const a = new Admission({ ...LIMITS, maxChildren: 2, stallShareMs: 300 });
    const [p1, p2] = await working(a, 'hog', 2);
    p1!.stall(0);
    const started = Date.now();
    const honest = await session(a, 'honest');
    await honest.ticket.request(true);
    // It waited for the stall, no longer than the bound (timers fire late on a busy machine, never early).
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(p1!.evictions.map((e) => e.stalled)).toEqual([true]);
    expect(p2!.evictions).toEqual([]);

    const b = new Admission({ ...LIMITS, maxChildren: 2, stallShareMs: 300 });
    const [q1] = await working(b, 'hog', 2);
    q1!.stall(0);
    const late = await session(b, 'honest');
    // Its peer takes what was waiting once the newcomer waits, before the bound however late timers fire: it is
    // working, the newcomer is told the server is busy.
    const asked = late.ticket.request(true);
    q1!.blockedSince = undefined;
    await expect(asked).rejects.toThrow(/^the server is busy: 2 agents connected \(max_children=2\)/);
    expect(q1!.evictions).toEqual([]);
  });

  test('sessions woken together by a freed slot never take more slots than there are', async () => {
    const a = new Admission({ ...LIMITS, maxChildren: 2, stallShareMs: 200 });
    const hogs = await working(a, 'hog', 2);
    for (const h of hogs) h.stall(0);
    const waiting = await Promise.all(['w1', 'w2', 'w3'].map((c) => session(a, c)));
    const outcomes = await Promise.allSettled(waiting.map((w) => w.ticket.request(true)));
    expect(a.agentCount).toBe(2);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
  });
});
