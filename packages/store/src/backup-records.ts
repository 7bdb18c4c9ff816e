/**
 * What the store keeps beside its packs so that a lost catalog can be
 * rebuilt from the backend alone (repair.ts, `cpsbackupd rebuild-catalog`):
 * the packs already name their chunks; these records add what the
 * catalog knows of clients and backups. One object per client
 * (`clients/<name>`) and one per backup that can be restored
 * (`backups/<name>/<number>`), each its catalog row as JSON.
 *
 * Records follow the catalog: a backup's is written once its commit is
 * durable and again when its label changes, and removed before it is
 * deleted. A failed write does not fail what the catalog already holds:
 * the store reconciles every record with the catalog at open and after a
 * failure, so they disagree only until then. Failed backups have no record
 * (nothing to restore); a rebuilt catalog does not list them.
 */
import { type StorageBackend } from './backend';
import { type Catalog, type SalvagedRow } from './catalog';
import { StoreError } from './errors';

const CLIENTS = 'clients/';
const BACKUPS = 'backups/';

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

/** A row as JSON: blobs (the manifest) as {"base64": …}. */
function encodeRow(row: SalvagedRow): Buffer {
  const plain = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Buffer.isBuffer(v) ? { base64: v.toString('base64') } : v]));
  return Buffer.from(JSON.stringify(plain) + '\n');
}

function decodeRow(bytes: Buffer, name: string): SalvagedRow {
  let row: unknown;
  try {
    row = JSON.parse(bytes.toString('utf8'), (_k, v: unknown) =>
      v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { base64?: unknown }).base64 === 'string' && Object.keys(v).length === 1
        ? Buffer.from((v as { base64: string }).base64, 'base64')
        : v,
    );
  } catch (err) {
    throw new StoreError('CATALOG_CORRUPT', `record ${name} is not valid JSON (${(err as Error).message})`);
  }
  if (row === null || typeof row !== 'object' || typeof (row as SalvagedRow).id !== 'number') {
    throw new StoreError('CATALOG_CORRUPT', `record ${name} is not a catalog row`);
  }
  return row as SalvagedRow;
}

/** Every record the catalog's present state calls for, by object name. */
function wantedRecords(rows: { clients: SalvagedRow[]; backups: SalvagedRow[] }): Map<string, Buffer> {
  const want = new Map<string, Buffer>();
  const clientName = new Map<number, string>();
  for (const c of rows.clients) {
    clientName.set(c.id as number, c.name as string);
    want.set(clientObject(c.name as string), encodeRow(c));
  }
  for (const b of rows.backups) {
    const client = clientName.get(b.client_id as number);
    if (client !== undefined) want.set(backupObject(client, b.number as number), encodeRow(b));
  }
  return want;
}

/** Writes the records of one backup (and its client's) as the catalog has them now. */
export async function writeBackupRecord(backend: StorageBackend, catalog: Catalog, backupId: number): Promise<void> {
  for (const [name, bytes] of wantedRecords(catalog.recordRows(backupId))) await backend.writeObject(name, bytes);
}

/** Removes a backup's record (before the catalog deletes it: a rebuild must not bring it back). */
export async function removeBackupRecord(backend: StorageBackend, client: string, number: number): Promise<void> {
  await backend.deleteObject(backupObject(client, number));
}

/** What reconciling changed. */
export interface RecordsReconciled {
  written: number;
  removed: number;
}

/** Makes the records say what the catalog says: missing or stale ones written, those of backups gone removed. */
export async function reconcileRecords(backend: StorageBackend, catalog: Catalog): Promise<RecordsReconciled> {
  const want = wantedRecords(catalog.recordRows());
  let written = 0;
  let removed = 0;
  for (const name of [...(await backend.listObjects(CLIENTS)), ...(await backend.listObjects(BACKUPS))]) {
    if (want.has(name)) continue;
    await backend.deleteObject(name);
    removed++;
  }
  for (const [name, bytes] of want) {
    if ((await backend.readObject(name))?.equals(bytes)) continue;
    await backend.writeObject(name, bytes);
    written++;
  }
  return { written, removed };
}

/** The clients and backups the records describe, as catalog rows (for repair.ts's rebuild). */
export async function readRecords(backend: StorageBackend): Promise<{ clients: SalvagedRow[]; backups: SalvagedRow[]; lostRows: number }> {
  let lostRows = 0;
  const read = async (prefix: string) => {
    const rows: SalvagedRow[] = [];
    for (const name of await backend.listObjects(prefix)) {
      const bytes = await backend.readObject(name);
      if (!bytes) continue;
      try {
        rows.push(decodeRow(bytes, name));
      } catch {
        lostRows++; // a damaged record loses its backup, not the rebuild
      }
    }
    return rows.sort((a, b) => (a.id as number) - (b.id as number));
  };
  const clients = await read(CLIENTS);
  const backups = await read(BACKUPS);
  return { clients, backups, lostRows };
}
