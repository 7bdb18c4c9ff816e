import * as fs from 'node:fs';
import { type ClientConfig, CLIENT_NAME_PATTERN, ConfigError, loadClientConfig } from '@cpsbackup/config';

/** Result of looking a client up: its config, or why it cannot be used. */
export type ClientLookup = { ok: true; config: ClientConfig } | { ok: false; reason: 'unknown' | 'invalid'; message: string };

/**
 * The client files of clientconfdir, read at start and again on SIGHUP. A
 * broken file refuses that client (with the file:line: key problem) without
 * stopping the server.
 */
export class ClientRegistry {
  private clients = new Map<string, ClientLookup>();
  /** Burp keys the client files carry that were ignored, one line each (logged at each reload). */
  warnings: string[] = [];

  constructor(private readonly dir: string) {}

  /** Re-reads every client file; returns the problems found (for the log). */
  reload(): string[] {
    const next = new Map<string, ClientLookup>();
    const problems: string[] = [];
    const warnings: string[] = [];
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.dir);
    } catch (err) {
      problems.push(
        `cannot read client directory ${this.dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): every node is refused as unknown; ` +
          'make it, one file per client, readable by the user cpsbackupd runs as, or set clientconfdir in server.conf to where the client files are',
      );
    }
    for (const name of names) {
      // Hidden files and editors' backups (name~) are not clients; any other file not named as a client can be is said, not skipped silently.
      if (name.startsWith('.') || name.endsWith('~')) continue;
      if (!CLIENT_NAME_PATTERN.test(name)) {
        problems.push(
          `client file ${this.dir}/${name} not read: a client's name (its certificate's CN) is 1 to 128 letters, digits, '.', '_' or '-', the first a letter or digit; rename the file`,
        );
        continue;
      }
      try {
        const config = loadClientConfig(this.dir, name);
        warnings.push(...config.warnings);
        next.set(name, { ok: true, config });
      } catch (err) {
        const message = err instanceof ConfigError ? err.message : (err as Error).message;
        // The node is told only that its file is invalid: the operator reads this line, so it says what follows and what to do.
        problems.push(
          `${message} (client ${JSON.stringify(name)} is refused every request until this file loads: fix it, then reload cpsbackupd: systemctl reload cpsbackupd, or SIGHUP)`,
        );
        next.set(name, { ok: false, reason: 'invalid', message });
      }
    }
    this.clients = next;
    this.warnings = warnings;
    return problems;
  }

  lookup(name: string): ClientLookup {
    return this.clients.get(name) ?? { ok: false, reason: 'unknown', message: `no client file ${this.dir}/${name} on the server` };
  }

  /** Names of every client file read. */
  names(): string[] {
    return [...this.clients.keys()];
  }

  get size(): number {
    return this.clients.size;
  }
}
