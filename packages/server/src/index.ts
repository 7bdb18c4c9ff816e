/** @cpsbackup/server: cpsbackupd. */
export { BackupServer } from './server';
export { createLogger } from './logger';
export { WireError, WireErrorCode } from './wire-errors';
export { SERVER_VERSION } from './version';
export { StatusReport, ClientStatus } from './status-report';
