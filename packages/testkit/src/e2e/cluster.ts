/**
 * Test harness for end-to-end tests: real certificates, real config files,
 * a real cpsbackupd child process on 127.0.0.1, the real cpsbackup CLI.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { createCa, issueCertificate, type KeyAndCert } from '@cpsbackup/pki';
import { tempDir } from '../temp-dir';

export { tempDir };

/** The repository: the e2e harness runs this checkout's built binaries. */
const ROOT = path.resolve(__dirname, '../../../..');
export const SERVER_BIN = path.join(ROOT, 'packages/server/dist/cli.js');
export const CLI_BIN = path.join(ROOT, 'packages/agent/dist/cli/main.js');

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Fails early with a clear message when the build is missing. */
export function requireBuild(): void {
  for (const f of [SERVER_BIN, CLI_BIN]) if (!fs.existsSync(f)) throw new Error(`${f} is missing: run 'make build' first`);
}

/** The output of one CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A PKI for tests: one CA, a server certificate, client certificates on demand. */
export class TestPki {
  readonly ca: KeyAndCert;
  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.ca = createCa('test CA');
    this.write('ca', this.ca);
    this.write('cpsbackupd', issueCertificate(this.ca, 'cpsbackupd', 'server', ['localhost', '127.0.0.1']));
  }

  write(name: string, kc: KeyAndCert): { cert: string; key: string } {
    const cert = path.join(this.dir, `${name}.pem`);
    const key = path.join(this.dir, `${name}.key`);
    fs.writeFileSync(cert, kc.certPem);
    fs.writeFileSync(key, kc.keyPem, { mode: 0o600 });
    return { cert, key };
  }

  /** A client certificate with CN `cn` (signed by `ca`, default ours), saved as `<file>.pem/.key`. */
  client(cn: string, file = cn, ca: KeyAndCert = this.ca): { cert: string; key: string } {
    return this.write(file, issueCertificate(ca, cn, 'client'));
  }

  /** Writes the CA's key beside its certificate (for ca_key, which enrolment needs); returns its path. */
  writeCaKey(): string {
    const file = path.join(this.dir, 'ca.key');
    fs.writeFileSync(file, this.ca.keyPem, { mode: 0o600 });
    return file;
  }

  get caFile(): string {
    return path.join(this.dir, 'ca.pem');
  }
}

/** A running cpsbackupd with its files. */
export class TestServer {
  private child: ChildProcess | undefined;
  port = 0;
  log = '';
  readonly confDir: string;
  /** Where the store lives; change it before start() to open another one (a disk image's copy, say). */
  storeDir: string;

  constructor(
    readonly root: string,
    readonly pki: TestPki,
    private readonly extraConf: string[] = [],
  ) {
    this.confDir = path.join(root, 'server-conf');
    this.storeDir = path.join(root, 'store');
    fs.mkdirSync(path.join(this.confDir, 'clients'), { recursive: true });
  }

  addClient(name: string, lines: string[] = []): void {
    fs.writeFileSync(path.join(this.confDir, 'clients', name), lines.join('\n') + '\n');
  }

  get confFile(): string {
    return path.join(this.confDir, 'server.conf');
  }

  /** Where cpsbackupd keeps the key that signs the backup records (records_key's default: beside server.conf). */
  get recordsKeyFile(): string {
    return path.join(this.confDir, 'records.key');
  }

  /**
   * Puts `file` (another server's records key, as a backup of its
   * configuration holds it) where this server reads its own, mode 0600 as
   * cpsbackupd requires: a server opening storage another one signed needs that key.
   */
  restoreRecordsKey(file: string): void {
    fs.copyFileSync(file, this.recordsKeyFile, fs.constants.COPYFILE_EXCL);
    fs.chmodSync(this.recordsKeyFile, 0o600);
  }

  /** Set before start() to open the status port there. */
  statusPort = 0;
  /** Set before start(): a fuzz test does not want a log line per refused frame. */
  logLevel = 'debug';
  /** Set before start(): a command cpsbackupd is run through (e.g. setpriv, to run it as another user as systemd does). */
  wrapper: string[] = [];
  /** Set before start() to run cpsbackupd with this RLIMIT_NOFILE (soft and hard, by prlimit): a descriptor flood then needs few connections. */
  openFiles = 0;

  /**
   * Starts cpsbackupd and waits until it listens. `onListening` runs the
   * moment the "listening" line is read, before the status and admin ports
   * may be open (to test what the daemon does with a signal that early).
   */
  async start(port = 0, onListening?: (pid: number) => void): Promise<void> {
    fs.writeFileSync(
      this.confFile,
      [
        'address = 127.0.0.1',
        `port = ${port}`,
        `status_port = ${this.statusPort}`,
        `directory = ${this.storeDir}`,
        `ssl_cert_ca = ${this.pki.caFile}`,
        `ssl_cert = ${path.join(this.pki.dir, 'cpsbackupd.pem')}`,
        `ssl_key = ${path.join(this.pki.dir, 'cpsbackupd.key')}`,
        `log_level = ${this.logLevel}`,
        ...this.extraConf,
      ].join('\n') + '\n',
    );
    const argv = this.argv();
    // prlimit sets the limit and execs node in its place: the pid is cpsbackupd's.
    if (this.openFiles > 0) argv.unshift('prlimit', `--nofile=${this.openFiles}:${this.openFiles}`, '--');
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.log = '';
    if (this.logLevel !== 'debug' && this.logLevel !== 'info') {
      // The "listening" line is not logged at this level: wait for the port instead.
      if (port === 0) throw new Error('a quiet TestServer needs a fixed port (freePort())');
      child.stdout!.on('data', (d: Buffer) => (this.log += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
      this.port = port;
      for (let i = 0; i < 200; i++) {
        if (child.exitCode !== null) throw new Error(`cpsbackupd exited with ${child.exitCode}: ${this.log}`);
        const open = await new Promise<boolean>((resolve) => {
          const c = net.connect(port, '127.0.0.1', () => {
            c.destroy();
            resolve(true);
          });
          c.on('error', () => resolve(false));
        });
        if (open) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`cpsbackupd did not open port ${port}`);
    }
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        this.log += d.toString();
        const m = /"port":(\d+).*"msg":"listening"/.exec(this.log);
        if (m && onListening) {
          onListening(child.pid!);
          onListening = undefined;
        }
        if (m && (this.statusPort === 0 || /"msg":"status port listening"/.test(this.log))) {
          this.port = Number(m[1]);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
      child.once('exit', (code) => reject(new Error(`cpsbackupd exited with ${code}: ${this.log}`)));
    });
  }

  /** cpsbackupd with this server's configuration (under `wrapper`), then `args`. */
  private argv(args: string[] = []): string[] {
    return [...this.wrapper, process.execPath, SERVER_BIN, '-c', this.confFile, ...args];
  }

  /** Starts it; what `cpsbackupd: cannot start:` said if it did not start. */
  async tryStart(): Promise<string | undefined> {
    try {
      await this.start();
      return undefined;
    } catch (err) {
      const said = /cpsbackupd: cannot start: (.*)/.exec(this.log);
      if (!said) throw err;
      return said[1]!;
    }
  }

  /**
   * A cpsbackupd command (`rebuild-catalog`, `--verify`...) with this
   * server's configuration, run to its end; asynchronous, so what serves
   * in this process (a fault proxy, say) keeps serving meanwhile.
   */
  command(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
    const [cmd, ...rest] = this.argv(args);
    return new Promise((resolve) =>
      execFile(cmd!, rest, (err, stdout, stderr) => resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })),
    );
  }

  /** Log lines as parsed JSON. */
  logLines(): Array<Record<string, unknown>> {
    return this.log
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null) return child?.exitCode ?? null;
    // 'close', not 'exit': its output has been read to the end by then (logLines() holds its last line).
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    child.kill(signal);
    return exited;
  }
}

/**
 * The operator does what a message says: every cpsbackupd command it
 * names is run as written, against `server`'s configuration (whatever
 * condition the text puts on it); returns what each printed. A command
 * that says to restore the records key from the backup of the server's
 * configuration gets it restored from `configBackup` (when the operator has
 * one and the key is missing), and is run again.
 */
export async function followAdvice(
  message: string,
  server: TestServer,
  configBackup?: string,
): Promise<Array<{ command: string; status: number; output: string }>> {
  const done = [];
  for (const m of message.matchAll(/cpsbackupd (?:-c server\.conf ([a-z][a-z-]+)|(--[a-z][a-z-]+))/g)) {
    const args = [(m[1] ?? m[2])!];
    for (;;) {
      const r = await server.command(args);
      const output = r.stdout + r.stderr;
      done.push({ command: args.join(' '), status: r.status, output });
      // "... is not at FILE: restore FILE | it | that key from the backup of the server's configuration"
      const restore = /is not at (\S+): restore (?:it|that key|\S+) from the backup of the server's configuration/.exec(output);
      // Restored once at most: a command that still fails with the file there is not run again.
      if (r.status === 0 || !restore || !configBackup || fs.existsSync(restore[1]!)) break;
      if (restore[1] !== server.recordsKeyFile) throw new Error(`the operator restores only the records key, not ${restore[1]}`);
      server.restoreRecordsKey(path.join(configBackup, path.basename(restore[1]!)));
      done.push({ command: `restore ${path.basename(restore[1]!)}`, status: 0, output: '' });
    }
  }
  return done;
}

/** Writes a node.conf for a client and returns its path. */
export function writeNodeConf(
  dir: string,
  server: TestServer,
  opts: { cname: string; cert: { cert: string; key: string }; include: string[]; extra?: string[] },
): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${opts.cname}-node.conf`);
  fs.writeFileSync(
    file,
    [
      `cname = ${opts.cname}`,
      'server = 127.0.0.1',
      `port = ${server.port}`,
      `ssl_cert_ca = ${server.pki.caFile}`,
      `ssl_cert = ${opts.cert.cert}`,
      `ssl_key = ${opts.cert.key}`,
      'network_timeout = 30',
      `lock_file = ${file}.lock`,
      ...opts.include.map((p) => `include = ${p}`),
      ...(opts.extra ?? []),
    ].join('\n') + '\n',
  );
  return file;
}

/** Runs the cpsbackup CLI to completion. */
export function runCli(args: string[], opts: { timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cpsbackup ${args.join(' ')} did not finish: ${stdout} ${stderr}`));
    }, opts.timeoutMs ?? 120_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

// The test runner's hooks (jest provides them as globals where useServer runs).
declare function beforeAll(fn: () => Promise<void> | void, timeout?: number): void;
declare function afterAll(fn: () => Promise<void> | void, timeout?: number): void;

/** What a test file's server is made of (see useServer). */
export interface ServerSetup {
  /** The client files: name → their lines (e.g. ["keep = 3"]). */
  clients: Record<string, string[]>;
  /** More server.conf lines (made from the PKI when a function, e.g. for ca_key). */
  conf?: string[] | ((pki: TestPki) => string[]);
  /** Open the status port too. */
  status?: boolean;
  /** Log warnings only (a flood must not log a line per frame); the port is then chosen up front. */
  quiet?: boolean;
  /** Run cpsbackupd with this RLIMIT_NOFILE (TestServer.openFiles). */
  openFiles?: number;
}

/**
 * The set-up every e2e file shares: a temporary root, a PKI and a
 * cpsbackupd with its client files, made when the file is collected (so
 * tests use them directly), started before its tests and stopped and
 * removed after them.
 */
export function useServer(name: string, setup: ServerSetup): { root: string; pki: TestPki; server: TestServer } {
  requireBuild();
  const root = tempDir(name);
  const pki = new TestPki(path.join(root, 'pki'));
  const server = new TestServer(root, pki, typeof setup.conf === 'function' ? setup.conf(pki) : (setup.conf ?? []));
  if (setup.quiet) server.logLevel = 'warn';
  if (setup.openFiles) server.openFiles = setup.openFiles;
  for (const [client, lines] of Object.entries(setup.clients)) server.addClient(client, lines);
  beforeAll(async () => {
    if (setup.status) server.statusPort = await freePort();
    await server.start(setup.quiet ? await freePort() : 0);
  });
  afterAll(async () => {
    await server.stop();
    // rm -rf, not fs.rmSync: a test may leave a tree deeper than one path can name.
    spawnSync('rm', ['-rf', root]);
  });
  return { root, pki, server };
}
