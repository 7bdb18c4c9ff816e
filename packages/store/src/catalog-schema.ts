/**
 * The catalog's SQLite schema (version 4; MIGRATIONS bring older catalogs to it). The catalog is the source of
 * truth for what exists: a chunk is stored once its row is committed, which
 * happens only after its pack bytes were fsynced.
 */
/**
 * Listing chunks of tree manifests the store has checked for a dedup group
 * (see tree-check.ts), every chunk they name being the group's: the
 * directory whose listing it is (the parent of its entries; a zero byte
 * for a root listing of several parents), its first and last paths,
 * and the entries and file bytes of everything below it. A checked
 * subtree is trusted as it is the next time, so an unchanged directory
 * costs one lookup.
 */
const LISTINGS_SQL = `CREATE TABLE IF NOT EXISTS listings (
  grp     TEXT NOT NULL,
  id      BLOB NOT NULL,
  dir     BLOB NOT NULL,
  first   BLOB NOT NULL,
  last    BLOB NOT NULL,
  entries INTEGER NOT NULL,
  bytes   INTEGER NOT NULL,
  PRIMARY KEY (grp, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS listings_by_id ON listings(id);`;

export const SCHEMA_VERSION = 4;

/**
 * What turns a catalog of version N into N+1, by N. Each runs in one
 * transaction with the version bump, at open, so a store made by an older
 * release opens and keeps every backup.
 */
export const MIGRATIONS: Readonly<Record<number, string>> = {
  // 1 -> 2: a backup that lacks part of what it should hold says why (NULL: complete);
  // the reference table loses its index by chunk (nothing looked a reference up by chunk,
  // and each one cost a random B-tree insert: half of an unchanged re-backup's commit).
  1: `ALTER TABLE backups ADD COLUMN partial TEXT; DROP INDEX IF EXISTS backup_chunks_by_chunk`,
  // 2 -> 3: manifests as trees of directory listings (format 2; older backups keep format 1),
  // and what the store has checked of each listing chunk.
  2: `ALTER TABLE backups ADD COLUMN manifest_format INTEGER NOT NULL DEFAULT 1; ${LISTINGS_SQL}`,
  // 3 -> 4: a compact catalog. A chunk row names its pack by number, not by its
  // 32-character name (twice: in the row and in the index by pack), and the
  // groups' claims lose their index by chunk (a second copy of every id; GC
  // drops the claims of dead chunks in one pass instead).
  3: `CREATE TABLE packs_v4 (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        state      TEXT NOT NULL CHECK (state IN ('open', 'sealed', 'deleting')),
        created_at INTEGER NOT NULL);
      INSERT INTO packs_v4 (name, state, created_at) SELECT name, state, created_at FROM packs ORDER BY created_at, name;
      CREATE TABLE chunks_v4 (
        id BLOB PRIMARY KEY, pack INTEGER NOT NULL, offset INTEGER NOT NULL, raw_length INTEGER NOT NULL,
        stored_length INTEGER NOT NULL, codec INTEGER NOT NULL, kind INTEGER NOT NULL, stored_at INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO chunks_v4 SELECT c.id, p.id, c.offset, c.raw_length, c.stored_length, c.codec, c.kind, c.stored_at
        FROM chunks c JOIN packs_v4 p ON p.name = c.pack;
      DROP TABLE chunks;
      DROP TABLE packs;
      ALTER TABLE packs_v4 RENAME TO packs;
      ALTER TABLE chunks_v4 RENAME TO chunks;
      CREATE INDEX chunks_by_pack ON chunks(pack);
      DROP INDEX IF EXISTS group_chunks_by_chunk;`,
};

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- Pack files. 'open': being appended to by a live process; 'sealed': complete;
-- 'deleting': GC moved its live chunks away and the file is to be removed.
-- Chunk rows name a pack by its number.
CREATE TABLE IF NOT EXISTS packs (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  state      TEXT NOT NULL CHECK (state IN ('open', 'sealed', 'deleting')),
  created_at INTEGER NOT NULL
);

-- Every stored chunk: where its record sits and how it is encoded.
CREATE TABLE IF NOT EXISTS chunks (
  id            BLOB PRIMARY KEY,
  pack          INTEGER NOT NULL,
  offset        INTEGER NOT NULL,
  raw_length    INTEGER NOT NULL,
  stored_length INTEGER NOT NULL,
  codec         INTEGER NOT NULL,
  kind          INTEGER NOT NULL,
  stored_at     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS chunks_by_pack ON chunks(pack);

CREATE TABLE IF NOT EXISTS clients (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  dedup_group TEXT NOT NULL,
  next_number INTEGER NOT NULL DEFAULT 1
);

-- Which chunks a dedup group has uploaded: the "which do you lack?" answer
-- for a client counts only these, so no client can probe another's data.
CREATE TABLE IF NOT EXISTS group_chunks (
  grp      TEXT NOT NULL,
  chunk_id BLOB NOT NULL,
  PRIMARY KEY (grp, chunk_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS backups (
  id               INTEGER PRIMARY KEY,
  client_id        INTEGER NOT NULL REFERENCES clients(id),
  number           INTEGER NOT NULL,
  parent_id        INTEGER,
  status           TEXT NOT NULL CHECK (status IN ('creating', 'available', 'error', 'deleting')),
  reason           TEXT,
  name             TEXT,
  description      TEXT,
  started_at       INTEGER NOT NULL,
  finished_at      INTEGER,
  manifest         BLOB,
  file_count       INTEGER NOT NULL DEFAULT 0,
  logical_bytes    INTEGER NOT NULL DEFAULT 0,
  new_chunks       INTEGER NOT NULL DEFAULT 0,
  new_raw_bytes    INTEGER NOT NULL DEFAULT 0,
  new_stored_bytes INTEGER NOT NULL DEFAULT 0,
  warnings         TEXT NOT NULL DEFAULT '[]',
  partial          TEXT,
  manifest_format  INTEGER NOT NULL DEFAULT 1,
  UNIQUE (client_id, number)
);

${LISTINGS_SQL}

-- The chunks a backup being written (or failed) references: what GC keeps
-- alive for it until its manifest does (backups with tree manifests drop
-- their rows at commit; older ones keep them as an index of their manifest).
-- Only ever read by backup or in full, so there is no index by chunk.
CREATE TABLE IF NOT EXISTS backup_chunks (
  backup_id INTEGER NOT NULL,
  chunk_id  BLOB NOT NULL,
  PRIMARY KEY (backup_id, chunk_id)
) WITHOUT ROWID;
`;
