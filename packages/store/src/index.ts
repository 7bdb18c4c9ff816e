/** @cpsbackup/store: the deduplicating chunk store (packs + SQLite catalog). The data format itself is @cpsbackup/format. */
export { Store } from './store';
export { BackupWriter, BeginBackupOptions } from './backup-writer';
export { BackupInfo, BackupStatus, catalogDamage, isComplete } from './catalog';
export { repairCatalog, RepairReport } from './repair';
export { StoreOptions, MANIFEST_CHUNKER_PARAMS } from './options';
export { StoreError, StoreErrorCode, isStoreError } from './errors';
export { GcReport } from './gc';
export { VerifyReport, VerifyScope, BadChunk, DamagedBackup } from './verify';
export { StoreStats } from './stats';
export { RecoveryReport, INTERRUPTED_REASON } from './recovery';
export { StorageBackend, PackAppender } from './backend';
export { LocalDirectoryBackend } from './local-backend';
