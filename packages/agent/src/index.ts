/** @cpsbackup/agent: the node side of cpsbackup (backup, restore) and the cpsbackup CLI. */
export { runBackup, type BackupOptions, type BackupResult } from './backup';
export { runRestore, type RestoreOptions, type RestoreResult } from './restore';
export { runList, runShow, runDelete, runLabel } from './requests';
export { runExport, runImport, loadDumpJobs } from './export-import';
export { AgentError, ExitCode } from './errors';
export { walk, type WalkItem, type WalkOptions } from './walker';
export { type BackupCounters } from './counters';
