/** @cpsbackup/server: cpsbackupd. */
export { BackupServer } from './server';
export { WireError, type WireErrorCode } from './wire-errors';
export { SERVER_VERSION } from './version';
export { type StatusReport, type ClientStatus } from './status-report';
export { SERVER_COMMAND_LINE } from './command-line';
export { CHECK_COMMAND_LINE } from './check-command-line';
