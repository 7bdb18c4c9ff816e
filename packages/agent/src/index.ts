/** @cpsbackup/agent: the node side of cpsbackup (backup, restore) and the cpsbackup CLI. */
export { runBackup, BackupOptions, BackupResult } from './backup';
export { runRestore, runList, runShow, runDelete, RestoreOptions, RestoreResult } from './restore';
export { AgentError, ExitCode } from './errors';
export { walk, WalkItem, WalkOptions } from './walker';
export { BackupCounters } from './counters';
