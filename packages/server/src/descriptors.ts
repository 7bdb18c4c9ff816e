import * as fs from 'node:fs';
import { LINGER_PER_SLOT } from './status-server';

/**
 * File descriptors: how many the process may open (RLIMIT_NOFILE) and how
 * they are shared. The status port and the agent port each get a budget of
 * connections, so that neither can take the descriptors the store needs to
 * open packs, the catalog's files and spools: a flood of either ends in
 * refusals, not in backups and restores failing for want of a descriptor.
 */

/** Descriptors kept for the store whatever the ports hold: 64 cached pack readers, the catalog, writers, workers. */
const STORE_RESERVE = 96;
/** More kept per agent slot (max_children): a backup's pack files, a restore's reads, spools. */
const STORE_RESERVE_PER_SLOT = 8;
/** Connections not yet authenticated the agent port must have room for, at least, beyond its slots: else no one could connect. */
const MIN_PENDING = 8;

/** The soft RLIMIT_NOFILE of this process (Linux: /proc/self/limits), or undefined when it cannot be read or is unlimited. */
export function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    return m && m[1] !== 'unlimited' ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Descriptors this process holds now (Linux: /proc/self/fd), or undefined. */
export function openFileCount(): number | undefined {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}

/** How a descriptor limit is shared between the store, the status port and the agent port. */
export interface DescriptorBudget {
  /** RLIMIT_NOFILE (undefined: not known, nothing is computed from it). */
  limit: number | undefined;
  /** Held at start (the store open, the listeners bound). */
  base: number;
  /** Kept for the store. */
  storeReserve: number;
  /** Status port connections served at once (the port holds up to (1 + LINGER_PER_SLOT) × this, refusals included). */
  status: number;
  /** Agent port connections at once, in TLS or authenticated (kept by admission). */
  agents: number;
  /** Of those, connections not yet authenticated (in their TLS handshake, or before their hello): max_pending_connections, or what the share leaves beside the slots and the unauthenticated budget. */
  pending: number;
}

/**
 * Shares `limit` descriptors: the store's reserve first, then the status
 * port (`maxStatus` 0: disabled) at most a quarter of what is left (serving
 * at most max_status_children, each with room for 4 refusals in flight),
 * and the agent port the rest; of the agent port's share, what the
 * slots and the unauthenticated budget leave goes to connections not yet
 * authenticated (at most max_pending_connections). Throws, saying what to
 * raise, when the rest cannot hold max_children agents, the
 * unauthenticated budget and MIN_PENDING connections not yet authenticated.
 */
export function shareDescriptors(
  limit: number | undefined,
  base: number,
  /** maxChildren: agent and list slots together. */
  want: { maxChildren: number; maxUnauthenticated: number; maxStatus: number; maxPending: number },
): DescriptorBudget {
  const storeReserve = STORE_RESERVE + STORE_RESERVE_PER_SLOT * want.maxChildren;
  if (limit === undefined) return { limit, base, storeReserve, status: want.maxStatus, agents: Number.MAX_SAFE_INTEGER, pending: want.maxPending };
  const free = limit - base - storeReserve;
  const status = Math.max(0, Math.min(want.maxStatus, Math.floor(free / 4 / (1 + LINGER_PER_SLOT))));
  const agents = free - status * (1 + LINGER_PER_SLOT);
  const slots = want.maxChildren + want.maxUnauthenticated;
  const needed = slots + Math.min(MIN_PENDING, want.maxPending);
  if (agents < needed || (want.maxStatus > 0 && status < 1)) {
    throw new Error(
      `the open-file limit (RLIMIT_NOFILE ${limit}) is too low: ${base} descriptors are in use at start, ${storeReserve} are kept for the store, ` +
        `leaving ${Math.max(0, agents)} for agent connections (max_children + max_list_children + max_unauthenticated, and ${Math.min(MIN_PENDING, want.maxPending)} not yet authenticated = ${needed} at least) and ${status} for the status port; ` +
        `raise it (LimitNOFILE= in the systemd unit, ulimit -n) to ${base + storeReserve + needed + 4 * (1 + LINGER_PER_SLOT) * want.maxStatus} or more, or lower max_children`,
    );
  }
  return { limit, base, storeReserve, status, agents, pending: Math.min(want.maxPending, agents - slots) };
}
