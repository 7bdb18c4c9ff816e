/**
 * A throwaway PostgreSQL cluster (Debian's packages) for dump-job tests:
 * unix socket only (no TCP at all), trust auth, run as the postgres user
 * because PostgreSQL refuses to run as root.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

function pgBin(): string {
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base) ? fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin/initdb'))) : [];
  if (!versions.length) throw new Error('PostgreSQL is not installed: run make test (it installs the Debian postgresql package)');
  return path.join(base, versions.sort((a, b) => Number(b) - Number(a))[0]!, 'bin');
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function asPostgres(cmd: string, args: string[]): void {
  if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' });
  else execFileSync(cmd, args, { stdio: 'pipe' });
}

export class TestPostgres {
  readonly bin = pgBin();
  readonly dataDir: string;
  readonly socketDir: string;
  readonly port = 5432;

  constructor(readonly root: string) {
    this.dataDir = path.join(root, 'pgdata');
    this.socketDir = path.join(root, 'pgsock');
    fs.mkdirSync(root, { recursive: true });
    fs.mkdirSync(this.socketDir, { recursive: true });
    if (asRoot) {
      fs.chmodSync(root, 0o755);
      execFileSync('chown', ['postgres:postgres', this.socketDir]);
      fs.mkdirSync(this.dataDir);
      execFileSync('chown', ['postgres:postgres', this.dataDir]);
    }
  }

  start(): void {
    asPostgres(path.join(this.bin, 'initdb'), ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
    asPostgres(path.join(this.bin, 'pg_ctl'), [
      '-D',
      this.dataDir,
      '-w',
      '-l',
      path.join(this.dataDir, 'server.log'),
      '-o',
      `-k ${this.socketDir} -p ${this.port} -c listen_addresses=''`,
      'start',
    ]);
  }

  stop(): void {
    try {
      asPostgres(path.join(this.bin, 'pg_ctl'), ['-D', this.dataDir, '-m', 'immediate', 'stop']);
    } catch {
      // already stopped
    }
  }

  /** Client connection arguments (as root, over the socket, user postgres). */
  get connArgs(): string[] {
    return ['-h', this.socketDir, '-p', String(this.port), '-U', 'postgres'];
  }

  psql(db: string, sql: string): string {
    return execFileSync(path.join(this.bin, 'psql'), [...this.connArgs, '-d', db, '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql], { encoding: 'utf8' });
  }
}
