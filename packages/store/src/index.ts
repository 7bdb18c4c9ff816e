/** @cpsbackup/store: the deduplicating chunk store (packs + SQLite catalog). */
export { Store } from './store';
export { BackupWriter, BeginBackupOptions } from './backup-writer';
export { BackupInfo, BackupStatus, catalogDamage, isComplete } from './catalog';
export { repairCatalog, RepairReport } from './repair';
export { StoreOptions, MANIFEST_CHUNKER_PARAMS } from './options';
export { FileEntry, EntryType, hasContent } from './entry';
export { StoreError, StoreErrorCode, isStoreError } from './errors';
export { chunkIdOf, formatChunkId, CHUNK_ID_BYTES } from './chunk-id';
export { Codec, compressChunk, decodeChunk, DEFAULT_ZSTD_LEVEL } from './compression';
export { GcReport } from './gc';
export { VerifyReport, VerifyScope, BadChunk, DamagedBackup } from './verify';
export { StoreStats } from './stats';
export { RecoveryReport, INTERRUPTED_REASON } from './recovery';
export { StorageBackend, PackAppender } from './backend';
export { LocalDirectoryBackend } from './local-backend';
export { encodeEntry, decodeEntry, ManifestDecoder, MANIFEST_MAGIC } from './manifest-codec';
export { isUnder } from './paths';
export { createFileDurably, fsyncDir } from './durable-fs';
