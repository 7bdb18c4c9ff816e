import { type KeySpec } from './spec';

/**
 * node.conf's ionice: the I/O scheduling class a backup runs in, as
 * ioprio_set(2) takes it. No realtime class: it needs CAP_SYS_ADMIN and
 * would let a backup starve the node's own services.
 */
export type IoPriority = { class: 'best-effort'; level: number } | { class: 'idle' } | { class: 'none' };

/** `best-effort:N` (0 highest to 7 lowest), `best-effort` (level 4, the kernel's default), `idle`, or `none` (leave it as the agent was started). */
export function parseIoPriority(raw: string): IoPriority {
  const m = /^(best-effort|idle|none)(?::([0-7]))?$/.exec(raw.trim());
  if (!m || (m[2] !== undefined && m[1] !== 'best-effort')) {
    throw new Error(`expected best-effort:N (N from 0, highest, to 7, lowest), idle or none, got ${JSON.stringify(raw)}`);
  }
  if (m[1] === 'best-effort') return { class: 'best-effort', level: m[2] === undefined ? 4 : Number(m[2]) };
  return { class: m[1] as 'idle' | 'none' };
}

/** An IoPriority as node.conf spells it, for messages. */
export function ioPriorityText(p: IoPriority): string {
  return p.class === 'best-effort' ? `best-effort:${p.level}` : p.class;
}

export function ioPriorityKey(def: string, help: string): KeySpec<IoPriority> {
  return {
    repeatable: false,
    required: false,
    defaultValue: parseIoPriority(def),
    help,
    parseOne: (raw) => parseIoPriority(raw),
    combine: (values) => values[values.length - 1] as IoPriority,
  };
}
