#!/usr/bin/env node
/** cpsbackupd: the backup server daemon. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ConfigError, loadServerConfig } from '@cpsbackup/config';
import { createLogger } from './logger';
import { BackupServer } from './server';
import { SERVER_VERSION } from './version';

async function main(): Promise<number> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('cpsbackupd')
    .usage('$0 [-c server.conf]\n\nThe cpsbackup server: stores the backups of the nodes that present a valid client certificate.')
    .option('config', { alias: 'c', type: 'string', default: '/etc/cpsbackup/server.conf', describe: 'server configuration file' })
    .option('check', { type: 'boolean', default: false, describe: 'only validate the configuration, then exit' })
    .version(SERVER_VERSION)
    .help('help')
    .alias('help', 'h')
    .strict()
    .parse();

  let config;
  try {
    config = loadServerConfig(argv.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`cpsbackupd: configuration error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (argv.check) {
    process.stdout.write(`${config.configFile}: OK\n`);
    return 0;
  }
  const log = createLogger(config.log_level);
  let server: BackupServer;
  try {
    server = await BackupServer.start(config, log);
  } catch (err) {
    log.fatal({ err: (err as Error).message }, 'cannot start');
    process.stderr.write(`cpsbackupd: cannot start: ${(err as Error).message}\n`);
    return 1;
  }
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'signal received');
      server.shutdown(config.shutdown_grace * 1000).then(
        () => resolve(0),
        (err: Error) => {
          log.error({ err: err.message }, 'unclean shutdown');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => server.reload());
    process.on('SIGUSR2', () => server.pruneAll());
  });
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`cpsbackupd: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
