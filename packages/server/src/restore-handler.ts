import { boundedText, type cpsbackup, LIMITS, ProtocolError, toSafeNumber } from '@cpsbackup/protocol';
import RE2 from 're2';
import * as path from 'node:path';
import { EntryType, encodeEntryRecords, type FileEntry, isUnder, ManifestFormat, prefixSelection, selectedWithWay } from '@cpsbackup/format';
import { type BackupInfo } from '@cpsbackup/store';
import { SealedReads } from './sealed-reads';
import { type SessionContext } from './context';
import { resolveBackup } from './resolve-backup';
import { toSummary } from './summary';
import { WireError } from './wire-errors';

/**
 * Streams a backup: each selected entry (by component prefix: "/srv/a"
 * selects "/srv/a" and everything below it, not "/srv/ab"; and by
 * path_regex, run by RE2, whose time is linear in the path, so no client
 * can make the server spend long on an expression), then (unless metadata
 * only) its chunks exactly as stored; the agent decodes and checks every
 * hash. Only what is selected crosses the network.
 */
export async function handleRestore(ctx: SessionContext, req: cpsbackup.RestoreRequest.$Properties): Promise<void> {
  const b = resolveBackup(ctx, toSafeNumber(req.number, 'number'));
  if (b.status !== 'available') {
    throw new WireError(
      'BAD_STATE',
      `backup ${b.number} is ${b.status}${b.reason ? ` (${b.reason})` : ''}, not available for restore (cpsbackup -l lists the available ones)`,
    );
  }
  if (b.manifestFormat === ManifestFormat.Sealed) return restoreSealed(ctx, b);
  if ((req.pathPrefixes?.length ?? 0) > LIMITS.restorePrefixes) {
    throw new ProtocolError('TOO_MANY_PREFIXES', `restore of ${req.pathPrefixes!.length} path prefixes refused (at most ${LIMITS.restorePrefixes})`);
  }
  const prefixes = await withLinkTargets(
    ctx,
    b,
    (req.pathPrefixes ?? []).map((p) => Buffer.from(p)),
  );
  const regex = compileRegex(boundedText(req.pathRegex, 'path_regex', LIMITS.regexChars));
  let entries = 0;
  let bytes = 0;
  ctx.log.info({ backup: b.number, metadataOnly: !!req.metadataOnly, prefixes: prefixes.length }, 'restore started');
  // Until the last chunk is sent, no delete or retention takes this backup (and GC its chunks).
  const doneReading = ctx.activity.beginReading(ctx.client.name, b.number);
  try {
    // The store reads only the listings on the way to the selected paths; the directories on the way
    // go as context (the agent makes them as they were where they are missing).
    const { selected } = prefixSelection(prefixes);
    const chosen = (path: Buffer) => selected(path) && (!regex || regex.test(path));
    for await (const { e, context } of selectedWithWay(ctx.store.walkManifest(b.id, prefixes), chosen, isDirectory)) {
      await ctx.conn.send({ restoreEntry: { record: encodeEntryRecords([e]), context } });
      if (context) continue;
      entries++;
      if (req.metadataOnly) continue;
      for (const id of e.chunks) {
        const c = await ctx.store.readEncodedChunk(id);
        await ctx.conn.sendChunk({ id, codec: c.codec, rawLength: c.rawLength, payload: c.payload });
        bytes += c.rawLength;
      }
    }
  } finally {
    doneReading();
  }
  await ctx.conn.send({ restoreEnd: { backup: toSummary(ctx.store, b), entries, bytes } });
  ctx.log.info({ backup: b.number, entries, bytes }, 'restore finished');
}

/**
 * An encrypted backup: the server cannot read its file list, so it sends
 * the root listing's ids and serves the chunks the agent asks for as it
 * walks the tree (SealedReads), selecting paths itself, until it says it
 * is done.
 */
async function restoreSealed(ctx: SessionContext, b: BackupInfo): Promise<void> {
  ctx.log.info({ backup: b.number, encrypted: true }, 'restore started');
  const doneReading = ctx.activity.beginReading(ctx.client.name, b.number);
  let bytes = 0;
  try {
    const { reads, root } = await SealedReads.of(ctx.store, b);
    await ctx.conn.send({ sealedTree: { backup: toSummary(ctx.store, b), root } });
    for (;;) {
      const m = await ctx.conn.next();
      if (m.msg !== 'readChunks') throw new ProtocolError('UNEXPECTED', `unexpected ${m.msg} while an encrypted backup is read`);
      if (m.readChunks.done) break;
      bytes += await reads.serve(ctx, m.readChunks);
    }
  } finally {
    doneReading();
  }
  await ctx.conn.send({ restoreEnd: { backup: toSummary(ctx.store, b), entries: 0, bytes } });
  ctx.log.info({ backup: b.number, bytes }, 'restore finished');
}

/** The restore's path_regex, or undefined for none; a pattern RE2 does not take is the client's error, said plainly. */
function compileRegex(source: string): RE2 | undefined {
  if (source === '') return undefined;
  try {
    return new RE2(source, 'u');
  } catch (err) {
    throw new WireError(
      'BAD_REGEX',
      `--regex ${JSON.stringify(source)} is not a regular expression the server takes (RE2 syntax: no backreferences or lookaround): ${(err as Error).message}`,
    );
  }
}

/** Symbolic links followed at most when a prefix goes through them (the kernel's own limit). */
const MAX_PREFIX_LINKS = 40;

/**
 * The prefixes asked for and, where one goes through a symbolic link the
 * backup holds (an include written through a link: its data is stored
 * where it lies, the link beside it), the path the link leads to as well:
 * `--prefix /opt/app` as node.conf wrote it restores the link and the data.
 * One walk of only the listings on the way to the prefixes per link
 * followed (at most MAX_PREFIX_LINKS), whatever their number.
 */
async function withLinkTargets(ctx: SessionContext, b: BackupInfo, prefixes: Buffer[]): Promise<Buffer[]> {
  const all = [...prefixes];
  let frontier = prefixes;
  for (let hops = 0; hops < MAX_PREFIX_LINKS && frontier.length > 0; hops++) {
    const found: Buffer[] = [];
    for await (const e of ctx.store.walkManifest(b.id, frontier, { onlyTheWay: true })) {
      if (e.type !== EntryType.Symlink) continue;
      for (const p of frontier) if (isUnder(p, e.path)) found.push(leadsTo(e, p));
    }
    frontier = found.filter((p, i) => !all.some((q) => q.equals(p)) && found.findIndex((q) => q.equals(p)) === i);
    all.push(...frontier.slice(0, Math.max(0, 2 * LIMITS.restorePrefixes - all.length)));
  }
  return all;
}

/** Where `prefix`, at or below the symbolic link `link`, lies once the link is followed. */
function leadsTo(link: FileEntry, prefix: Buffer): Buffer {
  const dir = path.posix.dirname(link.path.toString('latin1'));
  const target = path.posix.resolve(dir, link.linkTarget.toString('latin1'));
  return Buffer.from(target + prefix.subarray(link.path.length).toString('latin1'), 'latin1');
}

function isDirectory(e: FileEntry): boolean {
  return e.type === EntryType.Directory;
}
