import * as net from 'node:net';

/** One `network_allow` value: an address, or a network in CIDR notation. */
export interface NetworkRule {
  /** As written in the file, for messages. */
  readonly text: string;
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/**
 * Parses Burp's network_allow syntax: `127.0.0.1`, `10.0.0.0/8`, `::1`,
 * `2001:db8::/32` (an address alone is the one host). Host names are
 * refused: the check is on the peer's address, never on a name lookup.
 */
export function parseNetwork(raw: string): NetworkRule {
  const slash = raw.indexOf('/');
  const address = slash < 0 ? raw : raw.slice(0, slash);
  const version = net.isIP(address);
  if (version === 0) throw new Error(`expected an IP address or network such as 10.0.0.0/8 or ::1, got ${JSON.stringify(raw)}`);
  const bits = version === 4 ? 32 : 128;
  let prefix = bits;
  if (slash >= 0) {
    const p = raw.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > bits) throw new Error(`the prefix length after / must be 0 to ${bits}, got ${JSON.stringify(raw)}`);
    prefix = Number(p);
  }
  return { text: raw, address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** A peer address (an IPv4 peer of a dual-stack listener comes as ::ffff:a.b.c.d) against rules; no rule allows everyone. */
export function networkAllows(rules: readonly NetworkRule[], peer: string): boolean {
  if (rules.length === 0) return true;
  const list = new net.BlockList();
  for (const r of rules) list.addSubnet(r.address, r.prefix, r.family);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(peer);
  const address = mapped ? mapped[1]! : peer;
  const family = net.isIP(address);
  if (family === 0) return false;
  return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
