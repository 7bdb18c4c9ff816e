/** @cpsbackup/agent: the node side of cpsbackup (backup, restore) and the cpsbackup CLI. */
export { runBackup, type BackupOptions, type BackupResult } from './backup/backup';
export { runRestore, type RestoreOptions, type RestoreResult } from './restore/restore';
export { runList, runShow, runDelete, runLabel } from './client/requests';
export { runBackupJob, type BackupJobResult } from './jobs/backup-job';
export { runRestoreJob, type RestoreJobOptions, type RestoreJobResult } from './jobs/restore-job';
export { AgentError, ExitCode } from './errors';
export { walk, type WalkItem, type WalkOptions } from './backup/walker';
export { type BackupCounters } from './backup/counters';
export { AGENT_COMMAND_LINE } from './cli/command-line';
