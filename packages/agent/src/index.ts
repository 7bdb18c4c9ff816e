/** @cpsbackup/agent: the node side of cpsbackup (backup, restore) and the cpsbackup CLI. */
export { runBackup, BackupOptions, BackupResult } from './backup';
export { runRestore, RestoreOptions, RestoreResult } from './restore';
export { runList, runShow, runDelete, runLabel } from './requests';
export { runExport, runImport, loadDumpJobs } from './export-import';
export { AgentError, ExitCode } from './errors';
export { walk, WalkItem, WalkOptions } from './walker';
export { BackupCounters } from './counters';
