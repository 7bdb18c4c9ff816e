/**
 * @cpsbackup/store: the deduplicating chunk store (packs + SQLite catalog). The data format itself is @cpsbackup/format.
 * The S3 backend is `@cpsbackup/store/s3`, apart: the AWS SDK it loads costs 40 ms and 12 MB at start, paid only where storage = s3.
 */
export { type BackupDamage, type ClientUsage, Store } from './store';
export { type LowSpace } from './store-space';
export { BackupWriter, type BeginBackupOptions, type EncodedChunkCheck } from './backup-writer';
export { type BackupInfo, type BackupStatus, catalogDamage, isComplete, type SealedKeyCount } from './catalog';
export { type ClientKey } from './client-keys';
export { repairCatalog, type RepairReport, type RepairSource } from './repair';
export { type StoreOptions } from './options';
export { StoreError, type StoreErrorCode, isStoreError } from './errors';
export { type GcNoRoom, type GcReport, gcNoRoomText } from './gc';
export { type VerifyReport, type VerifyScope, type BadChunk, type DamagedBackup, type DamagedFile, damagedFileText } from './verify';
export { type StoreStats } from './stats';
export { type RecoveryReport, INTERRUPTED_REASON } from './recovery';
export { type StorageBackend, type PackAppender } from './backend';
export { type StorageWait } from './s3-retry';
export { LocalDirectoryBackend } from './local-backend';
export { createRecordsKey, hasSignedRecords, readRecordsKey, type RecordsKey } from './backup-records';
export { isOutOfSpace } from './space-reserve';
