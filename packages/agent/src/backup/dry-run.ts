import * as os from 'node:os';
import { type NodeConfig } from '@cpsbackup/config';
import { type ChunkKeys } from '@cpsbackup/crypto';
import { isUnder, ManifestFormat } from '@cpsbackup/format';
import { type cpsbackup } from '@cpsbackup/protocol';
import { type PreviousManifest, PreviousManifestSpool } from './previous-manifest';
import { withServer } from '../client/server-connection';
import { TreeReads } from '../reads/tree-reads';
import { walk, type WalkKind } from './walker';
import { selectionWalkOptions } from './walk-options';

/** How a file found by the dry run compares with the parent backup: none when there is no parent to compare with. */
type DryRunState = 'new' | 'changed' | 'unchanged';

/** One path a backup would hold. */
export interface DryRunPath {
  path: Buffer;
  kind: WalkKind;
  size: number;
  state?: DryRunState;
  /** A FIFO or block device whose content a backup reads (read_fifo, read_blockdev...): not read now. */
  contentRead?: boolean;
}

/** A count of files and the bytes they hold. */
interface Tally {
  files: number;
  bytes: number;
}

/** What `cpsbackup -e --dry-run` found. */
export interface DryRunReport {
  files: number;
  dirs: number;
  /** Symbolic links, FIFOs, devices, sockets. */
  others: number;
  /** The regular files' bytes (a file with several names counted once). */
  bytes: number;
  /** FIFOs and block devices whose content a backup would read (not read now: nothing to measure). */
  contentNotRead: number;
  /** The backup compared with (the one a backup now would build on), or undefined and why not. */
  parent?: number;
  notCompared?: string;
  new: Tally;
  changed: Tally;
  unchanged: Tally;
  /** Paths that could not be read, include roots missing. */
  warnings: string[];
}

/** What the dry run needs of the parent: how to fetch its file list (a connection to the server), or why there is none. */
export interface ParentSource {
  /** The number of the parent and its file list spooled in walk order; undefined when this node has no backup to build on. */
  fetch(spoolDir: string): Promise<{ number: number; previous: PreviousManifest } | undefined>;
}

/**
 * What a backup now would hold, found by the same walk (includes,
 * include_glob, excludes, selection keys, file system boundaries) without
 * reading a file's content, running a dump job or sending anything that
 * makes a backup. Each regular file is compared, as a backup does, with
 * the parent's entry (same size, mtime, ctime, inode: unchanged); the
 * parent's file list is read from the server (`parent`) as a backup reads
 * it, and when that fails the counts come without the comparison and say
 * why. `onPath` is told each path in walk order (for -v and --json).
 */
export async function dryRunBackup(config: NodeConfig, parent: ParentSource, onPath?: (p: DryRunPath) => void): Promise<DryRunReport> {
  const r: DryRunReport = {
    files: 0,
    dirs: 0,
    others: 0,
    bytes: 0,
    contentNotRead: 0,
    new: { files: 0, bytes: 0 },
    changed: { files: 0, bytes: 0 },
    unchanged: { files: 0, bytes: 0 },
    warnings: [],
  };
  let previous: PreviousManifest | undefined;
  try {
    const got = await parent.fetch(config.spool_dir || os.tmpdir());
    if (got) {
      r.parent = got.number;
      previous = got.previous;
    } else r.notCompared = 'this node has no complete backup to compare with: every file would be read';
  } catch (err) {
    r.notCompared = `the previous backup's file list could not be read (${(err as Error).message})`;
  }
  const readFifos = config.read_fifo.map((p) => Buffer.from(p));
  const readBlockdevs = config.read_blockdev.map((p) => Buffer.from(p));
  const linked = new Set<string>();
  const options = selectionWalkOptions(
    config,
    undefined,
    (m) => r.warnings.push(m),
    (root) => {
      if (root.problem) r.warnings.push(`include ${root.path.toString()} could not be read (${root.problem})`);
    },
  );
  try {
    for (const item of walk(options)) {
      const size = Number(item.stat.size);
      const p: DryRunPath = { path: item.path, kind: item.kind, size: item.kind === 'file' ? size : 0 };
      if (item.kind === 'dir') r.dirs++;
      else if (item.kind !== 'file') {
        r.others++;
        const reads =
          (item.kind === 'fifo' && (config.read_all_fifos || readFifos.some((f) => isUnder(item.path, f)))) ||
          (item.kind === 'blockdev' && (config.read_all_blockdevs || readBlockdevs.some((d) => d.equals(item.path))));
        if (reads) {
          p.contentRead = true;
          r.contentNotRead++;
        }
      } else {
        r.files++;
        // A file with several names is stored once: its bytes count once.
        const once = item.stat.nlink <= 1n || !linked.has(`${item.stat.dev}:${item.stat.ino}`);
        if (item.stat.nlink > 1n) linked.add(`${item.stat.dev}:${item.stat.ino}`);
        if (once) r.bytes += size;
        if (previous) {
          const before = previous.previousFile(item.path, item.stat);
          p.state = !before ? 'new' : before.unchanged ? 'unchanged' : 'changed';
          r[p.state].files++;
          if (once) r[p.state].bytes += size;
        }
      }
      onPath?.(p);
    }
  } finally {
    previous?.close();
  }
  return r;
}

/**
 * The parent a backup now would build on, fetched as a backup fetches it:
 * the newest complete backup made with this node's key (or without one, on
 * a node that does not encrypt), its file list read over a restore's
 * metadata-only request (no backup is begun) and spooled to disk.
 */
export function serverParent(config: NodeConfig, keys: ChunkKeys | undefined): ParentSource {
  return {
    fetch: (spoolDir) =>
      withServer(config, keys?.keyId, async (server) => {
        await server.send({ listRequest: { client: '' } });
        const backups = (await server.expect('backupList')).backups ?? [];
        const usable = (b: cpsbackup.BackupSummary.$Properties) =>
          b.status === 'available' && !b.partial && (keys ? !!b.keyId?.length && Buffer.from(b.keyId).equals(keys.keyId) : !b.keyId?.length);
        const newest = backups.filter(usable).reduce<number>((n, b) => Math.max(n, Number(b.number ?? 0)), 0);
        if (!newest) return undefined;
        await server.send({ restoreRequest: { number: newest, metadataOnly: true } });
        const tree = await server.expect('backupTree');
        const { reads, root } = TreeReads.of(server, tree, tree.format === ManifestFormat.Sealed ? keys : undefined);
        const spool = new PreviousManifestSpool(spoolDir);
        try {
          for await (const piece of reads.records(root)) spool.append(piece);
          await reads.done();
          await server.expect('restoreEnd');
        } catch (err) {
          spool.discard();
          throw err;
        }
        const { previous, problem } = spool.finish();
        if (problem) {
          previous.close();
          throw new Error(problem);
        }
        return { number: newest, previous };
      }),
  };
}
