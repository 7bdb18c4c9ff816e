/**
 * What the store keeps beside its packs so that a lost or damaged catalog
 * can be rebuilt from the backend (repair.ts: `cpsbackupd rebuild-catalog`,
 * `--repair-catalog`): the packs already name their chunks; these records
 * add what the catalog knows of clients and backups. One object per client
 * (`clients/<name>`) and one per backup that can be restored
 * (`backups/<name>/<number>`), each its catalog row as JSON.
 *
 * Every record is signed: an HMAC-SHA-256 over its object name and its
 * bytes, with a key kept with the server's configuration (never in the
 * store directory or the bucket), so write access to the storage alone
 * cannot forge, swap or alter one. A client's record also says which of
 * its backups are live (`live`) and the highest number decided so far
 * (`through`): a backup's record put back after it was deleted is signed
 * but no longer listed, and is refused.
 *
 * The records are the catalog's independent copy, so a start never
 * reconciles them in the catalog's favour: a record that disagrees with
 * the catalog, or fails its check, is reported (`problems`: log, verify,
 * status) and left as it is for `--repair-catalog`, which keeps whichever
 * copy verifies against the packs and then writes every record again.
 * Until then such a backup is not served (`untrustedReason`): a row the
 * server reports as untrusted must not hand a node another's files.
 *
 * Order of writes (each step durable before the next), so that a crash
 * anywhere leaves nothing to report:
 * - commit: the catalog; the client's record listing the backup; the backup's record;
 * - delete: the backup's record removed; the client's record without it; the catalog
 *   (a start finishes a delete the records had decided and the catalog had not done);
 * - label: the catalog, then the record (a label is all that may differ:
 *   records follow the catalog's labels at the next start).
 * Failed backups have no record (nothing to restore); a rebuilt catalog
 * does not list them.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDir } from '@cpsbackup/durable';
import { formatChunkId, ManifestFormat, splitChunkIds, splitSealedManifest } from '@cpsbackup/format';
import { type StorageBackend } from './backend';
import { type Catalog, type SalvagedRow } from './catalog';
import { StoreError } from './errors';

const CLIENTS = 'clients/';
const BACKUPS = 'backups/';
/** Where --repair-catalog moves the records it did not keep (evidence, never read back). */
const REJECTED = 'rejected/';

/**
 * Object names are words of [A-Za-z0-9._%-]: a client name is
 * percent-encoded into one, a leading dot too (names starting with one
 * are a backend's temporary files).
 */
function word(name: string): string {
  return encodeURIComponent(name)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/^\./, '%2E');
}

function clientObject(name: string): string {
  return CLIENTS + word(name);
}

/**
 * Where an encrypted node's key record (client-keys.ts: its registered
 * key id and its master key wrapped by its passphrase) is kept: beside the
 * records, so a node rebuilt from scratch (or a server rebuilt from its
 * bucket) still finds it. The server cannot unwrap the key.
 */
export function wrappedKeyObject(client: string): string {
  return `keys/${word(client)}`;
}

function backupObject(client: string, number: number): string {
  return `${BACKUPS}${word(client)}/${String(number).padStart(7, '0')}`;
}

/** The client and number an object name stands for (undefined: not a record's name). */
function parseObject(name: string): { client: string; number?: number } | undefined {
  try {
    if (name.startsWith(CLIENTS)) return { client: decodeURIComponent(name.slice(CLIENTS.length)) };
    const m = /^backups\/([^/]+)\/(\d+)$/.exec(name);
    if (m) return { client: decodeURIComponent(m[1]!), number: Number(m[2]) };
  } catch {
    // not percent-encoding we wrote
  }
  return undefined;
}

// ---- the key ----

const KEY_BYTES = 32;

/** The key that signs the records, and where it is kept. */
export interface RecordsKey {
  file: string;
  key: Buffer;
}

/**
 * The key in `file` (one line of 64 hex digits); undefined when there is no
 * such file. A key other users could read is refused, as ssh refuses a loose
 * private key: whoever reads it can forge records the server then trusts.
 * Its owner may read it, and its group when that is the group cpsbackupd runs
 * as (root:cpsbackup 0640, how a packaged server reads its keys in
 * /etc/cpsbackup); root, which reads it anyway, accepts any group read (the
 * daemon, which runs as its own user, checks the group at each start).
 */
export function readRecordsKey(file: string): RecordsKey | undefined {
  let text: string;
  let st: fs.Stats;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      st = fs.fstatSync(fd);
      text = fs.readFileSync(fd, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreError('STORE_IO', `the records key ${file} cannot be read (${(err as Error).message}): cpsbackupd must be able to read it`, { file });
  }
  const exposed = keyExposure(st);
  if (exposed) {
    throw new StoreError(
      'RECORDS_KEY_EXPOSED',
      `the records key ${file} is ${exposed} (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}): whoever reads it can forge backup records; ` +
        `make it readable by its owner only (chmod 0600 ${file}), or by cpsbackupd's group too (chgrp cpsbackup ${file} && chmod 0640 ${file})`,
      { file },
    );
  }
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new StoreError('STORE_CORRUPT', `the records key ${file} is not 64 hexadecimal digits: restore it from the backup of the server's configuration`, {
      file,
    });
  }
  return { file, key: Buffer.from(hex, 'hex') };
}

/** Who besides the owner may read or change a key file with these bits (undefined: nobody it should not). */
function keyExposure(st: fs.Stats): string | undefined {
  if (st.mode & 0o007) return 'open to every user';
  if (st.mode & 0o030) return 'writable by its group';
  if (st.mode & 0o040 && process.getuid?.() !== 0 && st.gid !== process.getgid?.())
    return `readable by group ${st.gid}, which is not the group cpsbackupd runs as`;
  return undefined;
}

/**
 * Makes a new key in `file` (fails with EEXIST if the file exists): readable
 * by its owner only, or with `group` (a gid) by that group too, 0640 (root
 * making the key of a daemon that runs as its own user). The file appears
 * whole with its owner and mode, or not at all (written under a temporary
 * name, then linked). A directory the server may not write
 * (EACCES, EROFS, EPERM) is RECORDS_KEY_UNWRITABLE, for the caller to say
 * how to make it.
 */
export function createRecordsKey(file: string, group?: number): RecordsKey {
  const key = randomBytes(KEY_BYTES);
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'wx', 0o600);
    try {
      if (group !== undefined) {
        fs.fchownSync(fd, -1, group);
        fs.fchmodSync(fd, 0o640); // explicit: the umask (UMask=0077 under systemd) would take the group's bit
      }
      fs.writeFileSync(fd, key.toString('hex') + '\n');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.linkSync(tmp, file); // never replaces a key that is there
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') {
      throw new StoreError('RECORDS_KEY_UNWRITABLE', `the records key ${file} is missing and cannot be made there (${(err as Error).message})`, {
        file,
        cause: code,
      });
    }
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  fsyncDir(dir);
  return { file, key };
}

// ---- signed records ----

const SIGNED_HEAD = '{"hmac":"';
const SIGNED_MID = '","record":';

function mac(key: Buffer, name: string, body: string): Buffer {
  return createHmac('sha256', key).update(`cpsbackup-record-1\0${name}\0${body}`).digest();
}

/** A row as JSON: blobs (the manifest) as {"base64": …}. */
function rowJson(row: SalvagedRow): string {
  return JSON.stringify(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Buffer.isBuffer(v) ? { base64: v.toString('base64') } : v])));
}

function parseRow(json: string): SalvagedRow | undefined {
  try {
    const row: unknown = JSON.parse(json, (_k, v: unknown) =>
      v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { base64?: unknown }).base64 === 'string' && Object.keys(v).length === 1
        ? Buffer.from((v as { base64: string }).base64, 'base64')
        : v,
    );
    return row !== null && typeof row === 'object' && !Array.isArray(row) && typeof (row as SalvagedRow).id === 'number' ? (row as SalvagedRow) : undefined;
  } catch {
    return undefined;
  }
}

/** A record as stored: `{"hmac":"<hex>","record":<row>}`, the HMAC over its object name and the row's bytes. */
function encodeRecord(key: Buffer, name: string, row: SalvagedRow): Buffer {
  const body = rowJson(row);
  return Buffer.from(`${SIGNED_HEAD}${mac(key, name, body).toString('hex')}${SIGNED_MID}${body}}\n`);
}

/** What reading a record found. */
type Decoded =
  | { kind: 'signed'; row: SalvagedRow }
  /** Written before records were signed: trusted only by the one-time adoption (it is compared with the catalog first). */
  | { kind: 'unsigned'; row: SalvagedRow }
  | { kind: 'bad'; why: string };

function decodeRecord(key: Buffer, name: string, bytes: Buffer): Decoded {
  const text = bytes.toString('utf8');
  if (text.startsWith(SIGNED_HEAD)) {
    const hex = text.slice(SIGNED_HEAD.length, SIGNED_HEAD.length + 64);
    const rest = text.slice(SIGNED_HEAD.length + 64);
    if (!/^[0-9a-f]{64}$/.test(hex) || !rest.startsWith(SIGNED_MID) || !rest.endsWith('}\n')) return { kind: 'bad', why: 'is not a record this server wrote' };
    const body = rest.slice(SIGNED_MID.length, -2);
    if (!timingSafeEqual(Buffer.from(hex, 'hex'), mac(key, name, body))) {
      return { kind: 'bad', why: 'fails its integrity check (altered, moved from another name, or signed with another key)' };
    }
    const row = parseRow(body);
    return row ? { kind: 'signed', row } : { kind: 'bad', why: 'is signed but holds no catalog row' };
  }
  const row = parseRow(text);
  return row ? { kind: 'unsigned', row } : { kind: 'bad', why: 'is neither a signed record nor a catalog row' };
}

/** The roots of a backup row's file list (hex): its manifest's ids, an encrypted one's without its key id. */
function manifestRoots(row: SalvagedRow): string[] {
  const stored = Buffer.isBuffer(row.manifest) ? splitChunkIds(row.manifest) : [];
  return (row.manifest_format === ManifestFormat.Sealed && stored.length > 0 ? splitSealedManifest(stored).roots : stored).map(formatChunkId);
}

/**
 * Whether a root of `row`'s file list is that of a backup a signed record
 * holds and the catalog no longer lists under its own number: the row may
 * be that backup, its number damaged.
 */
function sharesRootWithLostRecord(row: SalvagedRow, present: ReadonlyMap<string, Decoded>, available: ReadonlyMap<string, SalvagedRow>): boolean {
  const mine = new Set(manifestRoots(row));
  for (const [name, d] of present) {
    if (!name.startsWith(BACKUPS) || d.kind !== 'signed' || available.has(name)) continue;
    if (manifestRoots(d.row).some((id) => mine.has(id))) return true;
  }
  return false;
}

/** Whether `row` shares a root of its file list with an available backup of another client (a copy of it). */
export function copiesAnotherClient(row: SalvagedRow, backups: readonly SalvagedRow[]): boolean {
  const mine = new Set(manifestRoots(row));
  return backups.some((b) => b.client_id !== row.client_id && b.status === 'available' && manifestRoots(b).some((id) => mine.has(id)));
}

// ---- what the records say ----

/** A client's record: its catalog row, its live backups' numbers and the highest number decided. */
interface ClientState {
  row: SalvagedRow;
  live: Set<number>;
  through: number;
}

function clientRow(c: SalvagedRow, live: Iterable<number>, through: number): SalvagedRow {
  return { id: c.id, name: c.name, dedup_group: c.dedup_group, next_number: c.next_number, live: [...live].sort((a, b) => a - b), through };
}

function clientState(row: SalvagedRow): ClientState | undefined {
  const live = row.live;
  if (!Array.isArray(live) || !live.every((n) => Number.isInteger(n)) || !Number.isInteger(row.through)) return undefined;
  return { row, live: new Set(live as number[]), through: row.through as number };
}

/** Fields a start may bring in line with the catalog: a label (a crash between its two writes), and a parent the catalog forgot. */
const FOLLOWS_CATALOG = new Set(['name', 'description', 'parent_id']);

/** The fields in which a record and a catalog row differ (blobs compared by bytes). */
export function recordDifferences(record: SalvagedRow, row: SalvagedRow): string[] {
  const same = (a: unknown, b: unknown) => (Buffer.isBuffer(a) && Buffer.isBuffer(b) ? a.equals(b) : a === b);
  const keys = new Set([...Object.keys(record), ...Object.keys(row)]);
  return [...keys].filter((k) => !same(record[k] ?? null, row[k] ?? null)).sort();
}

/**
 * Why the catalog is older than the storage's signed records (undefined: it
 * is not): a backup a client's record lists as live that the catalog has no
 * row for, at any status, and whose number it never handed out. The
 * writes' order never leaves that (a commit
 * writes the catalog first; a delete takes the backup out of the record
 * before the catalog), so the catalog was put back from an older copy of
 * the directory (a snapshot, a file-level backup) while the storage went on.
 * Recovery must then delete nothing: the packs it does not know hold
 * acknowledged backups that a rebuild from the storage brings back.
 */
export async function catalogBehindRecords(
  backend: StorageBackend,
  key: RecordsKey,
  catalog: Pick<Catalog, 'backupsOfClient' | 'recordRows'>,
): Promise<string | undefined> {
  const nextNumber = new Map(catalog.recordRows().clients.map((c) => [c.name as string, c.next_number as number]));
  for (const name of await backend.listObjects(CLIENTS)) {
    const bytes = await backend.readObject(name);
    const d = bytes && decodeRecord(key.key, name, bytes);
    if (!d || d.kind !== 'signed') continue; // an untrusted record proves nothing: reported by the start
    const state = clientState(d.row);
    const client = typeof d.row.name === 'string' ? d.row.name : undefined;
    if (!state || client === undefined || clientObject(client) !== name) continue;
    const known = new Set(catalog.backupsOfClient(client).map((b) => b.number));
    // Only numbers this catalog never handed out: one it did and no longer has was deleted here, and a record still
    // listing it is an old one put back (reported by the start, never a reason to rebuild from the records).
    const next = nextNumber.get(client) ?? 1;
    const missing = [...state.live].filter((n) => !known.has(n) && n >= next).sort((a, b) => a - b);
    if (missing.length > 0) {
      return (
        `client ${client}'s signed record lists backup${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which the catalog has no row for: ` +
        'the catalog is older than the storage (was the store directory put back from an older copy?)'
      );
    }
  }
  return undefined;
}

/** Something wrong with the records, and the client it concerns (undefined: none the catalog knows). */
export interface RecordProblem {
  client: string | undefined;
  message: string;
}

function problem(client: string | undefined, message: string): RecordProblem {
  return { client, message };
}

const REPAIR =
  'stop cpsbackupd and run cpsbackupd -c server.conf --repair-catalog: it keeps whichever copy verifies against the packs and writes the records again (docs/OPERATIONS.md, "Backup records")';

/**
 * The records of one store: signed, checked, and kept in line with the
 * catalog without ever being overwritten by a row that disagrees.
 */
export class BackupRecords {
  /** What is wrong with the records now (each says what to do); empty when they agree with the catalog. */
  problems: RecordProblem[] = [];
  /** Verified client records, by client name (a client whose record is missing or untrusted is absent). */
  private clients = new Map<string, ClientState>();
  /** Clients whose record is untrusted or disagrees: their records are left for --repair-catalog. */
  private frozen = new Set<string>();
  /** Backup records that disagree with the catalog or are untrusted: left as they are for --repair-catalog. */
  private frozenBackups = new Set<string>();
  /** Whether the records have been read since open (until then no client record may be written: it would lose the live list). */
  private loaded = false;
  /**
   * Available backups the catalog lists that no trusted record vouches for
   * (`client\0number` → why, for the node): never served (restore, show,
   * verify, as a parent) until --repair-catalog decides.
   */
  private untrusted = new Map<string, string>();
  /** What the last start corrected in the catalog itself (a client's next number raised, a delete finished): logged. */
  corrections: string[] = [];
  /** Set when a record could not be written: the records are reconciled with the catalog at the next GC or open. */
  stale = false;

  constructor(
    private readonly backend: StorageBackend,
    private readonly catalog: Catalog,
    private readonly key: RecordsKey,
  ) {}

  /** The problems (see `problems`) of one client's records, or of all of them. */
  problemsOf(client?: string): RecordProblem[] {
    return this.problems.filter((p) => client === undefined || p.client === client);
  }

  /** Why backup `number` of `client` must not be served (undefined: nothing against it). */
  untrustedReason(client: string, number: number): string | undefined {
    return this.untrusted.get(`${client}\0${number}`);
  }

  /** Reads and checks every record, and brings those the catalog proves stale or missing in line; reports the rest. `adopt`: records written before signing are signed when they agree with the catalog. */
  async reconcile(adopt = false): Promise<{ written: number; signed: number }> {
    const problems: RecordProblem[] = [];
    const clients = new Map<string, ClientState>();
    const frozen = new Set<string>();
    const frozenBackups = new Set<string>();
    const untrusted = new Map<string, string>();
    const distrust = (client: string, number: number, why: string) => untrusted.set(`${client}\0${number}`, why);
    const finished: string[] = []; // deletions the records had decided and the catalog had not done
    let written = 0;
    let signed = 0;
    const rows = this.catalog.recordRows();
    const catalogClients = new Map(rows.clients.map((c) => [c.name as string, c]));
    const clientNameById = new Map(rows.clients.map((c) => [c.id as number, c.name as string]));
    const available = new Map<string, SalvagedRow>(); // by backup object name
    for (const b of rows.backups) {
      const client = clientNameById.get(b.client_id as number);
      if (client !== undefined) available.set(backupObject(client, b.number as number), b);
    }
    const names = [...(await this.backend.listObjects(CLIENTS)), ...(await this.backend.listObjects(BACKUPS))];
    const present = new Map<string, Decoded>();
    for (const name of names) {
      const bytes = await this.backend.readObject(name);
      if (bytes) present.set(name, decodeRecord(this.key.key, name, bytes));
    }
    const backupsOf = (client: string) => names.filter((n) => n.startsWith(`${BACKUPS}${word(client)}/`));

    // Clients first: their records decide which backup records are live.
    for (const [client, c] of catalogClients) {
      const name = clientObject(client);
      const d = present.get(name);
      const liveNow = [...available.keys()].filter((n) => n.startsWith(`${BACKUPS}${word(client)}/`)).map((n) => parseObject(n)!.number!);
      if (d === undefined || (adopt && d.kind === 'unsigned')) {
        // No signed record yet: a new client, or the adoption. Backup records already there are the only other witness: a
        // missing client record beside them (after adoption) is reported, not made up from the catalog.
        if (d === undefined && !adopt && backupsOf(client).length > 0) {
          problems.push(problem(client, `the record of client ${client} is missing while records of its backups remain: they are not trusted until ${REPAIR}`));
          frozen.add(client);
          continue;
        }
        const legacy = adopt ? backupsOf(client).map((n) => parseObject(n)!.number!) : [];
        const state = { row: c, live: new Set([...liveNow, ...legacy]), through: (c.next_number as number) - 1 };
        await this.backend.writeObject(name, encodeRecord(this.key.key, name, clientRow(c, state.live, state.through)));
        clients.set(client, state);
        if (d) signed++;
        else written++;
        continue;
      }
      if (d.kind !== 'signed') {
        problems.push(problem(client, `the record of client ${client} (${name}) ${d.kind === 'bad' ? d.why : 'is not signed'}: it is not trusted; ${REPAIR}`));
        frozen.add(client);
        continue;
      }
      const state = clientState(d.row);
      const differ = state ? ['id', 'name', 'dedup_group'].filter((k) => d.row[k] !== c[k]) : ['live'];
      if (!state || differ.length > 0) {
        problems.push(problem(client, `the record of client ${client} disagrees with the catalog (${differ.join(', ')}): neither is changed; ${REPAIR}`));
        frozen.add(client);
        continue;
      }
      clients.set(client, state);
    }
    for (const [name, d] of present) {
      const at = parseObject(name);
      if (name.startsWith(CLIENTS) && (at === undefined || !catalogClients.has(at.client))) {
        problems.push(problem(at?.client, `record ${name} is of a client the catalog does not know${d.kind === 'bad' ? ` and ${d.why}` : ''}: ${REPAIR}`));
      }
    }

    // Backups the records hold.
    for (const [name, d] of present) {
      if (!name.startsWith(BACKUPS)) continue;
      const at = parseObject(name);
      const state = at && clients.get(at.client);
      if (at === undefined || (state === undefined && !frozen.has(at.client))) {
        problems.push(problem(at?.client, `record ${name} is of no client the catalog knows${d.kind === 'bad' ? ` and ${d.why}` : ''}: ${REPAIR}`));
        continue;
      }
      // Under an untrusted client record (reported above) a backup's own record is still checked against its row; only the
      // live list is unknown. Signed over its name, a record that matches vouches for its row.
      const clientId = state ? state.row.id : catalogClients.get(at.client)!.id;
      const what = `the record of backup ${at.number} of ${at.client}`;
      const row = available.get(name);
      if (d.kind === 'bad' || (d.kind === 'unsigned' && !adopt)) {
        problems.push(
          problem(at.client, `${what} ${d.kind === 'bad' ? d.why : 'is not signed'}: it is not trusted (not used to rebuild or restore); ${REPAIR}`),
        );
        frozenBackups.add(name);
        distrust(at.client, at.number!, `its signed record ${d.kind === 'bad' ? d.why : 'is not signed'}`);
        continue;
      }
      if (d.row.number !== at.number || (d.kind === 'signed' && d.row.client_id !== clientId)) {
        problems.push(problem(at.client, `${what} names backup ${String(d.row.number)} of client id ${String(d.row.client_id)}: it is not trusted; ${REPAIR}`));
        frozenBackups.add(name);
        distrust(at.client, at.number!, 'its record names another backup');
        continue;
      }
      if (state && !state.live.has(at.number!)) {
        problems.push(problem(at.client, `${what} is of a backup that was deleted (its client's signed record no longer lists it): it is refused; ${REPAIR}`));
        frozenBackups.add(name);
        distrust(at.client, at.number!, "its client's signed record says it was deleted");
        continue;
      }
      const differ = row ? recordDifferences(d.row, row) : ['status'];
      if (differ.length > 0 && (!row || differ.some((k) => !FOLLOWS_CATALOG.has(k)))) {
        problems.push(
          problem(
            at.client,
            `${what} disagrees with the catalog (${row ? differ.join(', ') : 'the catalog does not list it as available'}): the record is kept as it is and the catalog is not trusted for it; ${REPAIR}`,
          ),
        );
        frozenBackups.add(name);
        distrust(at.client, at.number!, `its catalog row disagrees with its signed record (${row ? differ.join(', ') : 'status'})`);
        continue;
      }
      if (!state) continue; // left as it is for --repair-catalog
      if (differ.length > 0 || d.kind === 'unsigned') {
        await this.backend.writeObject(name, encodeRecord(this.key.key, name, row!));
        if (d.kind === 'unsigned') signed++;
        else written++;
      }
    }

    // Backups the catalog holds without a record: a crash between the writes of a commit, or a record lost.
    const recordIds = new Map<number, string>();
    for (const [name, d] of present) if (name.startsWith(BACKUPS) && d.kind === 'signed') recordIds.set(d.row.id as number, name);
    for (const [name, row] of available) {
      if (present.has(name)) continue;
      const at = parseObject(name)!;
      const state = clients.get(at.client);
      if (!state) {
        distrust(at.client, at.number!, `the record of its client ${at.client} is not trusted`); // reported above
        continue;
      }
      if (frozenBackups.has(name)) continue; // reported above
      const elsewhere = recordIds.get(row.id as number);
      if (elsewhere !== undefined || at.number! >= (catalogClients.get(at.client)!.next_number as number)) {
        // The row cannot be right as it stands: its id is another record's, or its number was never handed out.
        problems.push(
          problem(
            at.client,
            `the catalog lists backup ${at.number} of ${at.client}, ${elsewhere ? `but its backup id is that of ${elsewhere}` : 'a number the client never reached'}: the catalog row is damaged; no record is written; ${REPAIR}`,
          ),
        );
        distrust(at.client, at.number!, 'its catalog row is damaged (it has no signed record)');
        continue;
      }
      if (!state.live.has(at.number!)) {
        if (at.number! <= state.through && !sharesRootWithLostRecord(row, present, available)) {
          // A delete interrupted after its records were written (record gone, client record without it), or a failed
          // backup's row damaged into "available": the signed records say it is not to be served, and its file list is
          // no recorded backup's. The deletion asked for is finished; nothing a record vouches for goes.
          this.catalog.deleteBackup(row.id as number);
          finished.push(
            `backup ${at.number} of ${at.client} was still in the catalog although its client's signed record says it was deleted or never completed (a delete interrupted): its deletion is finished`,
          );
          continue;
        }
        if (at.number! <= state.through) {
          problems.push(
            problem(
              at.client,
              `the catalog lists backup ${at.number} of ${at.client} as available, but its client's signed record says it was deleted or never completed: no record is written; ${REPAIR}`,
            ),
          );
          distrust(at.client, at.number!, "its client's signed record says it was deleted or never completed");
          continue;
        }
        // A commit that crashed before its client's record was written, or a row forged in the catalog: signed only when its
        // file list is the client's own (every root uploaded by its dedup group) and no other client's backup shares a root.
        const foreign = this.foreignManifest(row, catalogClients.get(at.client)!, rows.backups);
        if (foreign) {
          problems.push(
            problem(
              at.client,
              `the catalog lists backup ${at.number} of ${at.client}, newer than its client's signed record, but ${foreign}: it is not signed and not served; ${REPAIR}`,
            ),
          );
          distrust(at.client, at.number!, `it has no signed record and ${foreign}`);
          continue;
        }
        // Committed after the client's record was last written: listed now, before its own record.
        state.live.add(at.number!);
        state.through = Math.max(state.through, at.number!);
        await this.writeClient(at.client, state);
        written++;
      }
      await this.backend.writeObject(name, encodeRecord(this.key.key, name, row));
      written++;
    }
    // Numbers a client's record still lists with neither a record nor an available row (a delete interrupted between its writes).
    for (const [client, state] of clients) {
      const gone = [...state.live].filter((n) => !present.has(backupObject(client, n)) && !available.has(backupObject(client, n)));
      if (gone.length === 0) continue;
      for (const n of gone) state.live.delete(n);
      await this.writeClient(client, state);
      written++;
    }
    // A client's next number below a number already decided (a flipped bit): raised, which only skips numbers.
    const corrections: string[] = [...finished];
    for (const [client, c] of catalogClients) {
      const want = Math.max((clients.get(client)?.through ?? 0) + 1, this.catalog.maxBackupNumber(c.id as number) + 1);
      if ((c.next_number as number) < want && this.catalog.raiseNextNumber(c.id as number, want)) {
        corrections.push(
          `the catalog's next backup number of client ${client} was ${String(c.next_number)}, below ${want} (its signed record or its backups): raised to ${want}`,
        );
        const state = clients.get(client);
        if (state && !frozen.has(client)) {
          await this.writeClient(client, state);
          written++;
        }
      }
    }
    this.clients = clients;
    this.frozen = frozen;
    this.frozenBackups = frozenBackups;
    this.untrusted = untrusted;
    this.corrections = corrections;
    this.problems = problems;
    this.loaded = true;
    return { written, signed };
  }

  /**
   * Why a backup row without a record cannot be its client's own (undefined:
   * it can): a root of its file list its client's dedup group never
   * uploaded, or one another client's backup has too (a copy of it).
   */
  private foreignManifest(row: SalvagedRow, client: SalvagedRow, backups: readonly SalvagedRow[]): string | undefined {
    const roots = manifestRoots(row).map((hex) => Buffer.from(hex, 'hex'));
    if (roots.length === 0) return 'it has no file list';
    if (this.catalog.groupHasChunks(client.dedup_group as string, roots).some((has) => !has)) return 'its file list was not uploaded by this client';
    if (copiesAnotherClient(row, backups)) return "its file list is that of another client's backup";
    return undefined;
  }

  private async writeClient(client: string, state: ClientState): Promise<void> {
    const c = this.catalog.recordRows().clients.find((r) => r.name === client) ?? state.row;
    state.row = c;
    const name = clientObject(client);
    await this.backend.writeObject(name, encodeRecord(this.key.key, name, clientRow(c, state.live, state.through)));
  }

  /** After a backup's commit: its client's record lists it, then its own record is written. */
  async committed(backupId: number): Promise<void> {
    const rows = this.catalog.recordRows(backupId);
    const b = rows.backups[0];
    const c = rows.clients[0];
    if (!b || !c) return;
    const client = c.name as string;
    if (!this.loaded) throw new StoreError('STORE_REMOTE', 'the backup records have not been read since the store opened');
    if (this.frozen.has(client)) return; // left for --repair-catalog, which writes every record again
    const state = this.clients.get(client) ?? { row: c, live: new Set<number>(), through: 0 };
    state.live.add(b.number as number);
    state.through = Math.max(state.through, b.number as number);
    this.clients.set(client, state);
    await this.writeClient(client, state);
    const name = backupObject(client, b.number as number);
    await this.backend.writeObject(name, encodeRecord(this.key.key, name, b));
  }

  /** committed, once the catalog has the backup: a record not written now follows the catalog at the next GC or open (stale). */
  async recordCommitted(backupId: number): Promise<void> {
    try {
      await this.committed(backupId);
    } catch {
      this.stale = true;
    }
  }

  /** After a label changed in the catalog: the backup's record says it too. */
  async relabelled(backupId: number): Promise<void> {
    const rows = this.catalog.recordRows(backupId);
    const b = rows.backups[0];
    const client = rows.clients[0]?.name as string | undefined;
    if (!b || client === undefined || !this.clients.get(client)?.live.has(b.number as number)) return;
    const name = backupObject(client, b.number as number);
    if (this.frozen.has(client) || this.frozenBackups.has(name)) return;
    await this.backend.writeObject(name, encodeRecord(this.key.key, name, b));
  }

  /** Before the catalog deletes a backup: its record goes, then its client's record stops listing it (a rebuild must not bring it back). */
  async deleting(client: string, number: number): Promise<void> {
    await this.backend.deleteObject(backupObject(client, number));
    const state = this.clients.get(client);
    if (!state || !state.live.delete(number)) return;
    await this.writeClient(client, state);
  }
}

/** What the records say, checked: what a rebuild may use, and what it may not (with why). */
export interface TrustedRecords {
  clients: SalvagedRow[];
  backups: SalvagedRow[];
  /** Records not used, one line each: why. */
  refused: string[];
  /** Each trusted client record's live backups (a repair that cannot bring one back keeps it listed: see rewriteRecords). */
  live: Map<string, number[]>;
  /** Refused records not known to be stale (damaged, swapped, of a client without a trusted record): left in place. */
  undecided: Set<string>;
}

/**
 * Every record that passes its check and is live, as catalog rows (for
 * repair.ts); the rest are named in `refused`. A backup record counts only
 * under a trusted client record that lists it.
 */
export async function readRecords(backend: StorageBackend, key: RecordsKey, adoptUnsigned = false): Promise<TrustedRecords> {
  const refused: string[] = [];
  const undecided = new Set<string>();
  const clients = new Map<string, ClientState>();
  const clientRows: SalvagedRow[] = [];
  const backupNames = await backend.listObjects(BACKUPS);
  const signedShape = new Set<string>(); // records written as signed ones: a refused one may be a live backup's, damaged
  const read = async (name: string): Promise<Decoded | undefined> => {
    const bytes = await backend.readObject(name);
    if (!bytes) return undefined;
    if (bytes.toString('utf8').startsWith(SIGNED_HEAD)) signedShape.add(name);
    const d = decodeRecord(key.key, name, bytes);
    // Written before records were signed, read by the one-time adoption: what an earlier version trusted.
    return adoptUnsigned && d.kind === 'unsigned' ? { kind: 'signed', row: d.row } : d;
  };
  for (const name of await backend.listObjects(CLIENTS)) {
    const d = await read(name);
    if (!d) continue;
    const at = parseObject(name);
    const legacy = adoptUnsigned && at && d.kind === 'signed' && d.row.live === undefined;
    const state =
      d.kind !== 'signed'
        ? undefined
        : legacy
          ? {
              row: d.row,
              live: new Set(backupNames.filter((n) => n.startsWith(`${BACKUPS}${word(at.client)}/`)).map((n) => parseObject(n)!.number!)),
              through: 0,
            }
          : clientState(d.row);
    if (d.kind !== 'signed' || !state || !at || d.row.name !== at.client) {
      refused.push(`${name}: ${d.kind === 'bad' ? d.why : d.kind === 'unsigned' ? 'is not signed' : 'is not the record of this client'}`);
      if (signedShape.has(name)) undecided.add(name);
      continue;
    }
    clients.set(at.client, state);
    const { live: _live, through: _through, ...row } = d.row;
    clientRows.push({ ...row, next_number: Math.max(row.next_number as number, state.through + 1) });
  }
  const backups: SalvagedRow[] = [];
  for (const name of backupNames) {
    const d = await read(name);
    if (!d) continue;
    const at = parseObject(name);
    const state = at && clients.get(at.client);
    // Only a record its client's trusted record no longer lists is known to be stale; the others may be a live backup's.
    let why: string | undefined;
    if (d.kind !== 'signed') why = d.kind === 'bad' ? d.why : 'is not signed';
    else if (!at || !state) why = 'its client has no trusted record';
    else if (d.row.number !== at.number || d.row.client_id !== state.row.id) why = 'it is not the record of this backup';
    if (why !== undefined) {
      refused.push(`${name}: ${why}`);
      if (signedShape.has(name)) undecided.add(name);
    } else if (!state!.live.has(at!.number!)) refused.push(`${name}: its backup was deleted (its client's signed record no longer lists it)`);
    else backups.push((d as { row: SalvagedRow }).row);
  }
  return {
    clients: clientRows.sort((a, b) => (a.id as number) - (b.id as number)),
    backups: backups.sort((a, b) => (a.id as number) - (b.id as number)),
    refused,
    live: new Map([...clients].map(([client, state]) => [client, [...state.live]])),
    undecided,
  };
}

/** Whether the storage holds any signed record (a store whose key must not be made anew). */
export async function hasSignedRecords(backend: StorageBackend): Promise<boolean> {
  for (const prefix of [CLIENTS, BACKUPS]) {
    for (const name of await backend.listObjects(prefix)) {
      if ((await backend.readObject(name))?.toString('utf8').startsWith(SIGNED_HEAD)) return true;
    }
  }
  return false;
}

/**
 * After a repair: every record written again from the repaired catalog
 * (signed, each client's listing its available backups), and every other
 * record moved under `rejected/<stamp>/` (kept as evidence, never read).
 * A backup its client's trusted record listed as live that the repair
 * could not bring back (its own record damaged) stays listed, and its
 * record stays where it is: the next start reports it and GC deletes
 * nothing of it until the operator has seen to it (the packs still hold it).
 * So does a backup in `unreadable` (its record trusted, its file list in
 * no pack now: a pack missing), reported by the repair as unreadable.
 * So does every refused record not known to be stale (`undecided`: a
 * damaged or swapped one, or one whose client's record is refused): only a
 * record its client's trusted record no longer lists is set aside.
 */
export async function rewriteRecords(
  backend: StorageBackend,
  catalog: Catalog,
  key: RecordsKey,
  stamp: string,
  listedLive: ReadonlyMap<string, readonly number[]> = new Map(),
  undecided: ReadonlySet<string> = new Set(),
  unreadable: ReadonlyMap<string, readonly number[]> = new Map(),
): Promise<{ written: number; rejected: number; unrecovered: string[]; keptInPlace: string[] }> {
  const rows = catalog.recordRows();
  const want = new Map<string, Buffer>();
  const keep = new Set<string>(undecided);
  const present = new Set([...(await backend.listObjects(CLIENTS)), ...(await backend.listObjects(BACKUPS))]);
  const unrecovered: string[] = [];
  const nameOf = new Map(rows.clients.map((c) => [c.id as number, c.name as string]));
  for (const c of rows.clients) {
    const live = rows.backups.filter((b) => b.client_id === c.id).map((b) => b.number as number);
    for (const n of listedLive.get(c.name as string) ?? []) {
      if (live.includes(n)) continue;
      live.push(n);
      const object = backupObject(c.name as string, n);
      keep.add(object);
      unrecovered.push(`backup ${n} of ${String(c.name)}${present.has(object) ? '' : ' (its record is missing)'}`);
    }
    for (const n of unreadable.get(c.name as string) ?? []) {
      if (live.includes(n)) continue;
      live.push(n);
      keep.add(backupObject(c.name as string, n));
    }
    const name = clientObject(c.name as string);
    want.set(name, encodeRecord(key.key, name, clientRow(c, live, (c.next_number as number) - 1)));
  }
  for (const b of rows.backups) {
    const name = backupObject(nameOf.get(b.client_id as number)!, b.number as number);
    want.set(name, encodeRecord(key.key, name, b));
  }
  let rejected = 0;
  for (const name of [...(await backend.listObjects(CLIENTS)), ...(await backend.listObjects(BACKUPS))]) {
    const bytes = await backend.readObject(name);
    if (!bytes || want.get(name)?.equals(bytes) || keep.has(name)) continue;
    await backend.writeObject(`${REJECTED}${stamp}/${name}`, bytes);
    if (!want.has(name)) await backend.deleteObject(name);
    rejected++;
  }
  for (const [name, bytes] of want) if (!undecided.has(name)) await backend.writeObject(name, bytes);
  return { written: want.size, rejected, unrecovered, keptInPlace: [...undecided].filter((n) => present.has(n)).sort() };
}
