/**
 * `cpsbackupd verify | gc | prune [--json]`: asks the running daemon over
 * its admin socket, or, when none runs, opens the store and does the work
 * itself. Prints a report (or JSON) and exits with its verdict.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type ServerConfig } from '@cpsbackup/config';
import { plural } from './human';
import { damagedFileText, gcNoRoomText, type GcReport, type Store, type VerifyReport } from '@cpsbackup/store';
import pino from 'pino';
import { type AdminOp, askDaemon } from './admin-socket';
import { ClientRegistry } from './client-registry';
import { applyRetentionToAll, planRetentionForAll, type RetentionPlan } from './retention';
import { openStore } from './storage';

/** What `prune` reports. */
interface PruneReport {
  deleted: number;
  gc: GcReport;
}

/** Exit codes: 0 done (verify: sound), 1 damage found or the operation failed, 2 the store could not be opened (or there is none). */
export async function runAdminCommand(config: ServerConfig, op: AdminOp, json: boolean): Promise<number> {
  let report: unknown;
  let byDaemon = true;
  try {
    const answer = await askDaemon(config.directory, op);
    if (answer && !answer.ok) throw new Error(answer.error);
    if (answer) report = answer.report;
    else {
      byDaemon = false;
      const offline = await runOffline(config, op);
      if (typeof offline === 'number') return offline;
      report = offline;
    }
  } catch (err) {
    process.stderr.write(`cpsbackupd ${op}: ${(err as Error).message}\n`);
    return 1;
  }
  if (json) process.stdout.write(JSON.stringify({ op, byDaemon, report }, null, 2) + '\n');
  else for (const line of describe(op, report, config.directory)) process.stdout.write(line + '\n');
  return op === 'verify' && !(report as VerifyReport).ok ? 1 : 0;
}

/** The work on a stopped daemon's store; a number is an exit code (the store could not be opened). */
async function runOffline(config: ServerConfig, op: AdminOp): Promise<VerifyReport | GcReport | PruneReport | RetentionPlan[] | number> {
  const missing = missingStoreMessage(config.directory);
  if (missing) {
    process.stderr.write(`cpsbackupd ${op}: ${missing}\n`);
    return 2;
  }
  let store: Store;
  try {
    store = (await openStore(config)).store;
  } catch (err) {
    process.stderr.write(`cpsbackupd ${op}: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    if (op === 'verify') return await store.verify();
    if (op === 'gc') return await store.gc();
    const clients = new ClientRegistry(config.clientconfdir);
    for (const problem of clients.reload()) process.stderr.write(`cpsbackupd prune: client file ignored: ${problem}\n`);
    if (op === 'prune-dry-run') return planRetentionForAll(store, clients, config);
    const deleted = await applyRetentionToAll(store, clients, config, pino({ level: 'silent' }));
    return { deleted, gc: await store.gc() };
  } finally {
    await store.close();
  }
}

/**
 * Why `directory` holds no store (undefined: it does). Opening a store makes one where there is none,
 * right for the daemon's first start but never for an admin command: a mistyped path or an unmounted
 * disk would get a fresh, empty store and a "sound" verdict. A store has its catalog.db or its store-id
 * in the directory, whatever its storage (S3 keeps its catalog there too).
 */
function missingStoreMessage(directory: string): string | undefined {
  if (['catalog.db', 'store-id'].some((name) => fs.existsSync(path.join(directory, name)))) return undefined;
  return `no store at ${directory} (directory in server.conf): is the disk mounted? cpsbackupd creates a store when the daemon first starts`;
}

/** The report as lines for a person. */
function describe(op: AdminOp, report: unknown, directory: string): string[] {
  if (op === 'verify') return describeVerify(report as VerifyReport, directory);
  if (op === 'gc') return describeGc(report as GcReport);
  if (op === 'prune-dry-run') return describePlans(report as Array<RetentionPlan & { busy?: true }>);
  const p = report as PruneReport;
  return [`retention applied: ${plural(p.deleted, 'backup')} deleted`, ...describeGc(p.gc)];
}

/** `prune --dry-run`: per client, each backup that would go and each that stays, with why. */
function describePlans(plans: Array<RetentionPlan & { busy?: true }>): string[] {
  const out: string[] = [];
  const number = (n: number) => String(n).padStart(7, '0');
  let total = 0;
  for (const p of plans) {
    if (p.busy) {
      out.push(`client ${p.client}: skipped, a backup of it is running (prune skips it too); run again once it ends`);
      continue;
    }
    total += p.delete.length;
    // A client with no backup at all has nothing to say (a fleet's new clients would fill the report).
    if (!p.delete.length && !p.keep.length) continue;
    out.push(`client ${p.client}: would delete ${p.delete.length}, keep ${p.keep.length}`);
    for (const b of p.delete) out.push(`  delete ${number(b.number)} ${b.status}: ${b.reasons.join('; ')}`);
    for (const b of p.keep) out.push(`  keep   ${number(b.number)} ${b.status}: ${b.reasons.join('; ')}`);
  }
  out.push(
    `dry run: nothing deleted; cpsbackupd prune would delete ${plural(total, 'backup')}, then run gc (what gc would reclaim is not computed: a chunk's space comes back only when no kept backup shares it, which only gc's own pass over every kept backup's tree finds)`,
  );
  return out;
}

function describeGc(r: GcReport): string[] {
  const out = [
    `garbage collected: ${r.deadChunks} unreferenced chunks dropped, ${r.deletedPacks} packs deleted (${r.rewrittenPacks} rewritten, ${r.movedChunks} chunks moved); packs ${r.bytesBefore} -> ${r.bytesAfter} bytes`,
  ];
  if (r.noRoom) out.push(`NOT RECLAIMED: ${gcNoRoomText(r.noRoom)}`);
  return out;
}

/** verify's findings, one line each, then the verdict. */
function describeVerify(r: VerifyReport, directory: string): string[] {
  const out = [`checked ${r.chunksChecked} chunks (${r.bytesChecked} bytes) and ${r.backupsChecked} backups`];
  for (const p of r.catalogProblems) out.push(`CATALOG ${p}`);
  if (r.catalogProblems.length) out.push(`the catalog is damaged: stop cpsbackupd, keep a copy of ${directory}, then run cpsbackupd --repair-catalog`);
  for (const c of r.badChunks) out.push(`BAD CHUNK ${c.chunk} in pack ${c.pack} at ${c.offset}: ${c.reason}`);
  for (const d of r.damagedBackups) {
    if (d.manifestDamaged) out.push(`DAMAGED ${d.client} backup ${d.number}: its file list is unreadable`);
    for (const f of d.files) out.push(`DAMAGED ${d.client} backup ${d.number}: ${damagedFileText(f)}`);
  }
  out.push(r.ok ? 'store is sound' : 'DAMAGE FOUND');
  return out;
}
