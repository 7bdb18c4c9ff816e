import * as fs from 'node:fs';
import { fsMagicOf, type FsType, fsTypeName } from '@cpsbackup/config';
import { closeFd, O_PATH, openFromRoot } from '@cpsbackup/syscalls';

/** Which file systems the walk enters (node.conf's cross_filesystem, cross_all_filesystems, exclude_fs, include_fs). */
export interface FsRules {
  crossAll: boolean;
  /** Mount points below an include that the walk may enter. */
  cross: readonly string[];
  excludeFs: readonly FsType[];
  includeFs: readonly FsType[];
}

/** Burp's default: no file system is entered below an include, none left out by type. */
export const STAY_ON_FILESYSTEM: FsRules = { crossAll: false, cross: [], excludeFs: [], includeFs: [] };

/** Why a file system is left out by type: `unexpected` when its type could not be read (said even where a rule would be silent). */
export interface LeftOut {
  why: string;
  unexpected: boolean;
}

/** A file system's type: its name as mounted (when known) and statfs's number for it. */
interface FsTypeFound {
  name: string;
  magic: number;
}

/**
 * Runs `call` with an O_PATH descriptor of the directory `dir`, opened from
 * "/" without following a link (so what it answers is about the directory
 * the walk reached); a failure, of the open or the call, is its error code.
 */
export function atDirectory<T>(dir: Buffer, call: (fd: number) => T): T | string {
  let fd: number;
  try {
    fd = openFromRoot(dir, fs.constants.O_DIRECTORY | O_PATH);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  }
  try {
    return call(fd);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  } finally {
    closeFd(fd);
  }
}

/** The file-system type (statfs's f_type) of a directory the walk reached; an error is its code. */
function statfsType(dir: Buffer): number | string {
  return atDirectory(dir, (fd) => fs.statfsSync(`/proc/self/fd/${fd}`).type);
}

/** Linux's dev_t split as mountinfo writes it ("major:minor"). */
function majorMinor(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

/**
 * The types of the mounted file systems by device, from
 * /proc/self/mountinfo: what a mount point is can be told without a call
 * into the file system itself (a network mount whose server is gone would
 * hang one).
 */
class MountTable {
  private byDev = new Map<string, string>();
  private loaded = false;
  private readonly missed = new Set<string>();

  /** The type mounted with this device ("tmpfs", "nfs4"); the table is read again once per device it lacks (a mount made during the walk). */
  typeOf(dev: bigint): string | undefined {
    const key = majorMinor(dev);
    if (!this.loaded || (!this.byDev.has(key) && !this.missed.has(key))) {
      if (this.loaded) this.missed.add(key);
      this.read();
    }
    return this.byDev.get(key);
  }

  private read(): void {
    let text: string;
    try {
      text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
    } catch {
      text = ''; // no /proc: statfs decides alone
    }
    const byDev = new Map<string, string>();
    for (const line of text.split('\n')) {
      const sep = line.indexOf(' - ');
      if (sep < 0) continue;
      const dev = line.slice(0, sep).split(' ')[2];
      const type = line.slice(sep + 3).split(' ')[0];
      if (dev && type && !byDev.has(dev)) byDev.set(dev, type);
    }
    this.byDev = byDev;
    this.loaded = true;
  }
}

/**
 * The walk's file-system boundaries. As Burp decides, a directory's file
 * system is looked at only where the walk starts (an include) and where
 * its device number differs from its parent's (a mount point): the walk
 * compares st_dev it already has, nothing is asked per file.
 */
export class FsBoundaries {
  private readonly cross: Set<string>;
  private readonly typed: boolean;
  private readonly mounts = new MountTable();

  /** `includes`: the walk's include roots; one below another is a mount point it may enter, as in Burp. */
  constructor(
    private readonly rules: FsRules,
    includes: readonly Buffer[],
  ) {
    this.cross = new Set([...rules.cross.map(realOrWritten), ...includes.map((p) => p.toString('latin1'))]);
    this.typed = rules.excludeFs.length > 0 || rules.includeFs.length > 0;
  }

  /** Whether the walk enters the file system mounted at `dir` (a directory whose device differs from its parent's). */
  mayCross(dir: Buffer): boolean {
    return this.rules.crossAll || this.cross.has(dir.toString('latin1'));
  }

  /**
   * Why the file system of `dir` (of device `dev`) is left out by
   * exclude_fs or include_fs ("on a file system of type tmpfs, which
   * exclude_fs = tmpfs leaves out"), or undefined when it is walked.
   */
  leftOut(dir: Buffer, dev: bigint): LeftOut | undefined {
    if (!this.typed) return undefined;
    const found = this.typeOf(dir, dev);
    if (typeof found === 'string') {
      return {
        why: `on a file system whose type cannot be read (statfs: ${found}), so exclude_fs and include_fs cannot tell whether to keep it (left out, as Burp does)`,
        unexpected: true,
      };
    }
    const excluded = this.rules.excludeFs.find((t) => t.magic === found.magic);
    if (excluded) return { why: `on a file system of type ${found.name}, which exclude_fs = ${excluded.name} leaves out`, unexpected: false };
    if (this.rules.includeFs.length > 0 && !this.rules.includeFs.some((t) => t.magic === found.magic)) {
      const named = this.rules.includeFs.map((t) => t.name).join(', ');
      return { why: `on a file system of type ${found.name}, which include_fs does not name (${named})`, unexpected: false };
    }
    return undefined;
  }

  /** The type mounted with device `dev`, for messages (undefined when the mount table does not say). */
  mountedType(dev: bigint): string | undefined {
    return this.mounts.typeOf(dev);
  }

  /**
   * The mount table's type when it has the device and knows its number
   * (no call into the file system); else statfs of the directory (a
   * btrfs subvolume's device is not in the table, nor an exotic type).
   */
  private typeOf(dir: Buffer, dev: bigint): FsTypeFound | string {
    const name = this.mounts.typeOf(dev);
    const magic = name !== undefined ? fsMagicOf(name) : undefined;
    if (name !== undefined && magic !== undefined) return { name, magic };
    const asked = statfsType(dir);
    return typeof asked === 'string' ? asked : { name: name ?? fsTypeName(asked), magic: asked };
  }
}

/** A cross_filesystem path as the walk meets it: no symbolic link on the way (the walk takes real paths). */
function realOrWritten(p: string): string {
  const trimmed = p.length > 1 ? p.replace(/\/+$/, '') : p;
  try {
    return Buffer.from(fs.realpathSync(trimmed)).toString('latin1');
  } catch {
    return Buffer.from(trimmed).toString('latin1');
  }
}
