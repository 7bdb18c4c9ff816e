import * as fs from 'node:fs';
import * as path from 'node:path';
import { type NodeConfig } from '@cpsbackup/config';
import { ChunkKeys, formatKeyFile, isCryptoError, newMasterKey, parseKeyFile, unwrapMasterKey, wrapMasterKey } from '@cpsbackup/crypto';
import { createFileDurably, replaceFileDurably } from '@cpsbackup/durable';
import { boundToOtherKeys, describeKeyCounts, type KeyCount, keyIdText } from '@cpsbackup/format';
import { cpsbackup } from '@cpsbackup/protocol';
import { AgentError, ExitCode } from '../errors';

/** The environment variable that may carry the passphrase (so it need not sit in node.conf). */
export const PASSPHRASE_ENV = 'CPSBACKUP_PASSPHRASE';

/** The passphrase that wraps the master key: CPSBACKUP_PASSPHRASE, else encryption_password; undefined if neither. */
function passphraseOf(config: NodeConfig): string | undefined {
  return process.env[PASSPHRASE_ENV] || config.encryption_password || undefined;
}

/** What the server keeps of this node's key, and the keys this node's encrypted backups were made with (KeyReply). */
export interface ServerKeyState {
  /** The master key wrapped by the passphrase (undefined: no copy). */
  wrapped?: Buffer;
  /** The key registered for this node (undefined: none yet). */
  registered?: Buffer;
  /** This node's restorable encrypted backups, per key. */
  backups: KeyCount[];
  /** Backups a key change deleted. */
  deleted: number;
}

/**
 * What this module needs of the server, given by its caller
 * (client/key-requests.ts): the node's key as the server keeps it, and a
 * key registered (with its wrapped copy, when given), each answered with
 * the state after.
 */
export interface KeyServer {
  state(): Promise<ServerKeyState>;
  register(keyId: Buffer, wrapped: Buffer | undefined, oldBackups: cpsbackup.OldBackups): Promise<ServerKeyState>;
}

/**
 * How a person is asked for a passphrase (the CLI's terminal,
 * cli/passphrase-prompt.ts): absent where no one can be asked (the daemon,
 * cron, a pipe), and then only node.conf or the environment give one.
 */
export interface PassphrasePrompt {
  /** The passphrase of a key that exists, asked with `question`. */
  existing(question: string): Promise<string>;
  /** A new passphrase (typed twice, refused if empty or the two differ). */
  fresh(): Promise<string>;
}

/** The server and the person a node key is worked out with. */
export interface KeyAccess {
  server: KeyServer;
  prompt?: PassphrasePrompt | undefined;
}

/**
 * This node's chunk keys when it encrypts (undefined when it does not):
 * from its key file, or, when the file is gone (a node rebuilt from
 * scratch), from the copy the server keeps, unwrapped by the passphrase.
 * Without either, the message says which case this is: a new node, or a
 * rebuilt one whose backups need their key back.
 */
export async function loadNodeKey(config: NodeConfig, access: KeyAccess): Promise<ChunkKeys | undefined> {
  if (!config.encryption) return undefined;
  const file = config.encryption_key_file;
  const held = readKeyFile(file);
  if (held) return new ChunkKeys(held);
  const state = await access.server.state();
  if (!state.wrapped) throw noCopyError(config, state, 'NO_KEY');
  const passphrase = passphraseOf(config) ?? (await access.prompt?.existing(`Passphrase of ${config.cname}'s master key (${file} is missing): `));
  if (!passphrase) {
    throw new AgentError(
      'NO_KEY',
      `encryption is on but there is no master key: ${file} does not exist, and the server keeps a copy of ${config.cname}'s key wrapped by its passphrase (a rebuilt node): ` +
        `give the passphrase (encryption_password in node.conf, or ${PASSPHRASE_ENV}; on a terminal it is asked for), or run cpsbackup --init-key with it once to write ${file} back from that copy`,
      ExitCode.CONFIG,
    );
  }
  return new ChunkKeys(unwrap(state.wrapped, passphrase));
}

/**
 * The backups bound to this node's key, whatever it is: those made with
 * its registered key, or, with none registered yet, all of them. No new
 * key may be made while any remain.
 */
function boundBackups(state: ServerKeyState): KeyCount[] {
  return state.registered ? state.backups.filter((k) => k.keyId.equals(state.registered!)) : state.backups;
}

/**
 * A node with no key file and no copy on the server: a new node (nothing
 * needs a key yet: --init-key makes one), or a rebuilt one whose backups
 * are bound to a key only its safe copy of the key file still holds.
 */
function noCopyError(config: NodeConfig, state: ServerKeyState, code: string): AgentError {
  const file = config.encryption_key_file;
  const bound = boundBackups(state);
  if (!bound.length) {
    return new AgentError(
      code,
      `encryption is on but there is no master key: ${file} does not exist, and the server keeps neither a copy of one nor a backup of ${config.cname} that needs one: on a new node, run cpsbackup --init-key to make its key`,
      ExitCode.CONFIG,
    );
  }
  return new AgentError(
    code,
    `${file} does not exist and the server keeps no copy of ${config.cname}'s master key (no passphrase was given when it was made), but ${describeKeyCounts(bound)}: ` +
      `this is a rebuilt node, and only that key reads them, so no new key was made. Bring back ${file} from the copy kept when the key was made ` +
      `(one line "cpsbackup-master-key-v1 …", mode 0600). If no copy is left, nothing can read those backups: ` +
      `cpsbackup --change-key --delete-old-backups gives this node a new key and deletes them`,
    ExitCode.CONFIG,
  );
}

function unwrap(wrapped: Buffer, passphrase: string): Buffer {
  try {
    return unwrapMasterKey(wrapped, passphrase);
  } catch (err) {
    if (isCryptoError(err)) {
      throw new AgentError(
        'BAD_PASSPHRASE',
        `the passphrase does not open the master key the server keeps for this node (${err.message}): check encryption_password or ${PASSPHRASE_ENV}`,
        ExitCode.CONFIG,
      );
    }
    throw err;
  }
}

/**
 * The master key in `file`; undefined if there is no such file. A
 * symbolic link that leads nowhere is refused, not taken for a missing
 * file: a key made or written back would go through it, or over it.
 */
function readKeyFile(file: string): Buffer | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || (code === 'ENOENT' && statOf(file, false)?.isSymbolicLink())) throw danglingKeyFile(file);
    if (code === 'ENOENT') return undefined;
    throw new AgentError('NO_KEY', `cannot read the master key ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, ExitCode.CONFIG);
  }
  try {
    return parseKeyFile(text, file);
  } catch (err) {
    throw new AgentError(
      'NO_KEY',
      `${(err as Error).message}; it was left as it is. If it is damaged and the server keeps a copy of this node's key, ` +
        `move it aside (mv ${file} ${file}.damaged) and run cpsbackup --init-key, which fetches that copy with the passphrase`,
      ExitCode.CONFIG,
    );
  }
}

/** What `p` names now (lstat, or stat with `follow`); undefined when nothing is there. */
function statOf(p: string, follow: boolean): fs.Stats | undefined {
  try {
    return follow ? fs.statSync(p) : fs.lstatSync(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return undefined;
    throw err;
  }
}

/** One file, whatever names reach it: the same device and inode. */
const sameFile = (a: fs.Stats | undefined, b: fs.Stats | undefined): boolean => !!a && !!b && a.dev === b.dev && a.ino === b.ino;

/** The same name in the same directory, however the directory is reached (its device and inode): one file once either is made. */
function samePlace(a: string, b: string): boolean {
  return path.basename(a) === path.basename(b) && sameFile(statOf(path.dirname(a), true), statOf(path.dirname(b), true));
}

/**
 * What a key file's name leads to, which is what is written: the name
 * itself, or, when it is a symbolic link, the file it leads to (replacing
 * the link would leave that file holding the key replaced, and the node
 * reading another one). A link that leads nowhere is refused.
 */
function keyFileTarget(file: string): string {
  if (!statOf(file, false)?.isSymbolicLink()) return file;
  try {
    return fs.realpathSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') throw danglingKeyFile(file);
    throw new AgentError('NO_KEY', `cannot follow the symbolic link ${file}: ${code ?? (err as Error).message}`, ExitCode.CONFIG);
  }
}

/** The key file is a symbolic link that leads nowhere: nothing is written through it, whatever the command. */
function danglingKeyFile(file: string): AgentError {
  let to = '';
  try {
    to = ` (to ${fs.readlinkSync(file)})`;
  } catch {
    // gone meanwhile: said without its target
  }
  return new AgentError(
    'NO_KEY',
    `the master key ${file} is a symbolic link that leads nowhere${to}: remove it, or point encryption_key_file at the real key file. Nothing was written`,
    ExitCode.CONFIG,
  );
}

/**
 * Writes a key file whole and durably, mode 0600: created (never over
 * another file, a link included), or replacing this node's own
 * (`replace`: the file its name leads to).
 */
function writeKeyFile(file: string, master: Buffer, how: 'create' | 'replace'): void {
  const target = how === 'create' ? file : keyFileTarget(file);
  try {
    if (how === 'create') createFileDurably(target, formatKeyFile(master), 0o600);
    else replaceFileDurably(target, formatKeyFile(master), 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? `its directory ${path.dirname(target)} does not exist (or is a symbolic link that leads nowhere)` : (code ?? (err as Error).message);
    throw new AgentError('NO_KEY', `cannot write the master key ${target}: ${why}`, ExitCode.CONFIG);
  }
}

/** What --init-key did. */
export interface InitKeyResult {
  file: string;
  keyId: Buffer;
  /** Where the key came from: made now (a new node), the server's copy unwrapped (a rebuilt node), or the key file kept. */
  source: 'made' | 'server' | 'file';
  /** The copy wrapped by the passphrase on the server: stored now, kept as it was, or none. */
  copy: 'stored' | 'kept' | 'none';
  /** This node's backups made with the key. */
  backups: number;
}

/**
 * This node's master key, never replaced while backups are bound to it
 * or the server keeps a copy of it:
 * - a key file present is kept, and registered with the server (with a
 *   copy wrapped by the passphrase, when one is given: run again after
 *   changing the passphrase, it re-wraps the same key), unless it holds
 *   another key than the one the server keeps a copy of: refused, saying
 *   how to keep either (--change-key --use-key-file switches);
 * - no key file and a copy on the server (a rebuilt node): the copy is
 *   unwrapped with the passphrase and the key file written from it;
 * - no key file, no copy, but backups bound to a key: refused (the key
 *   file must come back from its safe copy, or --change-key be used);
 * - none of these (a new node): a new key is made.
 */
export async function initNodeKey(config: NodeConfig, access: KeyAccess): Promise<InitKeyResult> {
  const file = config.encryption_key_file;
  const held = readKeyFile(file);
  const state = await access.server.state();
  const madeWith = (keyId: Buffer) => state.backups.find((k) => k.keyId.equals(keyId))?.count ?? 0;
  if (held) {
    const keyId = new ChunkKeys(held).keyId;
    const bound = boundToOtherKeys(state.backups, state.registered, keyId);
    if (bound.length) {
      const back = state.wrapped
        ? `(the server keeps a copy wrapped by the passphrase: move ${file} aside and run cpsbackup --init-key with the passphrase to write it back)`
        : '(from the copy kept when that key was made)';
      throw new AgentError(
        'KEY_IN_USE',
        `${file} holds key ${keyIdText(keyId)}, but ${describeKeyCounts(bound)}: it is not this node's key, and this node's key is never replaced while they remain. ` +
          `Put back the key file they were made with ${back}. To give this node another key, run cpsbackup --change-key (a new key) ` +
          `or cpsbackup --change-key --use-key-file (the key ${file} holds): it says what becomes of them. Nothing was changed`,
        ExitCode.CONFIG,
      );
    }
    if (state.wrapped && state.registered && !state.registered.equals(keyId)) throw otherThanKept(config, state.registered, keyId);
    // Asked before anything is sent: on a terminal with no passphrase configured, typed twice.
    const passphrase = passphraseOf(config) ?? (await access.prompt?.fresh());
    // A copy kept before keys were registered names no key: which one it is must be known before this key is registered over it.
    if (state.wrapped && !state.registered) checkUnnamedCopy(config, state.wrapped, keyId, passphrase);
    if (passphrase) {
      await access.server.register(keyId, wrapMasterKey(held, passphrase), cpsbackup.OldBackups.OLD_BACKUPS_REFUSE);
      return { file, keyId, source: 'file', copy: 'stored', backups: madeWith(keyId) };
    }
    const after = state.registered?.equals(keyId) ? state : await access.server.register(keyId, undefined, cpsbackup.OldBackups.OLD_BACKUPS_REFUSE);
    return { file, keyId, source: 'file', copy: after.wrapped ? 'kept' : 'none', backups: madeWith(keyId) };
  }
  if (state.wrapped) {
    const passphrase =
      passphraseOf(config) ??
      (await access.prompt?.existing(`Passphrase of ${config.cname}'s master key (${file} is missing; the server keeps a copy wrapped by it): `));
    if (!passphrase) {
      throw new AgentError(
        'NO_KEY',
        `${file} does not exist, and the server keeps a copy of ${config.cname}'s master key wrapped by its passphrase (a rebuilt node): ` +
          `give that passphrase (encryption_password in node.conf, or ${PASSPHRASE_ENV}; on a terminal it is asked for) and run cpsbackup --init-key again to write ${file} back from the copy. ` +
          'No new key is made while that copy exists (cpsbackup --change-key makes one)',
        ExitCode.CONFIG,
      );
    }
    const master = unwrap(state.wrapped, passphrase);
    const keyId = new ChunkKeys(master).keyId;
    const bound = boundToOtherKeys(state.backups, state.registered, keyId);
    if (bound.length) {
      throw new AgentError(
        'KEY_IN_USE',
        `the copy of ${config.cname}'s master key the server keeps is key ${keyIdText(keyId)}, but ${describeKeyCounts(bound)}, which it cannot read: ${file} was not written. ` +
          `Bring back the key file they were made with (from the copy kept when that key was made); to give this node a new key instead, run cpsbackup --change-key`,
        ExitCode.CONFIG,
      );
    }
    // A copy of another key than the registered one (a record damaged, or mislabelled): the server would refuse it after the key file is written.
    if (state.registered && !state.registered.equals(keyId)) {
      throw new AgentError(
        'KEY_IN_USE',
        `the copy of ${config.cname}'s master key the server keeps is key ${keyIdText(keyId)}, and the key registered for ${config.cname} is ${keyIdText(state.registered)}: ` +
          `the copy is not of this node's key, so ${file} was not written. Bring back the key file of ${keyIdText(state.registered)} (from the copy kept when that key was made); ` +
          `to make ${keyIdText(keyId)} this node's key instead, write it to ${file} and run cpsbackup --change-key --use-key-file. Nothing was changed`,
        ExitCode.CONFIG,
      );
    }
    writeKeyFile(file, master, 'create');
    // A copy kept before keys were registered names no key: it is known now.
    if (!state.registered) await access.server.register(keyId, state.wrapped, cpsbackup.OldBackups.OLD_BACKUPS_REFUSE);
    return { file, keyId, source: 'server', copy: 'kept', backups: madeWith(keyId) };
  }
  if (boundBackups(state).length) throw noCopyError(config, state, 'KEY_IN_USE');
  const passphrase = passphraseOf(config) ?? (await access.prompt?.fresh());
  const master = newMasterKey();
  const keyId = new ChunkKeys(master).keyId;
  // The server first: it refuses a key this node could not back up with (its dedup group's), before a key file exists.
  await access.server.register(keyId, passphrase ? wrapMasterKey(master, passphrase) : undefined, cpsbackup.OldBackups.OLD_BACKUPS_REFUSE);
  writeKeyFile(file, master, 'create');
  return { file, keyId, source: 'made', copy: passphrase ? 'stored' : 'none', backups: 0 };
}

/**
 * The key file holds another key than the one the server keeps a copy of:
 * --init-key replaces neither. Which one stays is the operator's word.
 */
function otherThanKept(config: NodeConfig, kept: Buffer, held: Buffer): AgentError {
  const file = config.encryption_key_file;
  const k = keyIdText(kept);
  const k2 = keyIdText(held);
  return new AgentError(
    'KEY_IN_USE',
    `the server keeps key ${k} as ${config.cname}'s key, with a copy wrapped by its passphrase, and ${file} holds another key, ${k2}: ` +
      `this node's key is never replaced while the server keeps a copy of it (or backups made with it remain). ` +
      `To keep ${k}, move ${file} aside and run cpsbackup --init-key with the passphrase: it writes ${k} back. ` +
      `To make ${k2} this node's key instead, run cpsbackup --change-key --use-key-file: the copy is replaced by one of ${k2}, ` +
      `and it says what becomes of the backups made with ${k}. Nothing was changed`,
    ExitCode.CONFIG,
  );
}

/**
 * A copy on the server that names no key (kept before keys were
 * registered) must be of the key the node registers over it: opened with
 * the passphrase and compared, or the registration is refused.
 */
function checkUnnamedCopy(config: NodeConfig, wrapped: Buffer, keyId: Buffer, passphrase: string | undefined): void {
  const file = config.encryption_key_file;
  let copy: Buffer | undefined;
  if (passphrase) {
    try {
      copy = unwrapMasterKey(wrapped, passphrase);
    } catch (err) {
      if (!isCryptoError(err)) throw err;
    }
  }
  if (copy) {
    const copyId = new ChunkKeys(copy).keyId;
    if (!copyId.equals(keyId)) throw otherThanKept(config, copyId, keyId);
    return;
  }
  throw new AgentError(
    'KEY_IN_USE',
    `the server keeps a copy of ${config.cname}'s key wrapped by a passphrase, made before keys were registered, so it does not say which key it is, and ` +
      `${passphrase ? 'this passphrase does not open it' : 'no passphrase was given to open it'}: ${file} (key ${keyIdText(keyId)}) is not registered over it. ` +
      `Run cpsbackup --init-key with the passphrase that copy was stored with: if it is this key, it is registered (then run it again with a new passphrase, if that is why). ` +
      `To make ${keyIdText(keyId)} this node's key whatever the copy holds, run cpsbackup --change-key --use-key-file. Nothing was changed`,
    ExitCode.CONFIG,
  );
}

/** What --change-key does with the backups made with other keys. */
export type OldBackupsChoice = { action: 'delete' } | { action: 'keep'; file: string } | undefined;

/** What --change-key did. */
export interface ChangeKeyResult {
  file: string;
  keyId: Buffer;
  /** Where the new key came from: made now, or the key file (--use-key-file). */
  source: 'made' | 'file';
  /** The key replaced (undefined: none known). */
  oldKeyId?: Buffer;
  /** Where the replaced key was written (--keep-old-backups). */
  keptIn?: string;
  /** Backups made with other keys, still there (kept). */
  kept: KeyCount[];
  /** Backups made with the new key before (--use-key-file: kept through an earlier change), read with it again. */
  own?: KeyCount;
  deleted: number;
  copy: 'stored' | 'none';
}

/**
 * Gives this node a new master key: one made now, or, with `useKeyFile`,
 * the one its key file holds (a key file that is not the key the server
 * keeps, which --init-key does not register). Refused while backups made
 * with other keys remain unless `old` says what becomes of them: deleted
 * (the server deletes them, then registers the new key), or kept,
 * readable with the key they were made with, which is written to the file
 * named (it must be a key this node holds, in its key file or the copy on
 * the server opened by the passphrase: a key it lost cannot be kept; and
 * a new file, written and read back before anything else changes).
 * The server registers the new key before the key file is replaced: the
 * node's next backup is made with it.
 */
export async function changeNodeKey(config: NodeConfig, access: KeyAccess, old: OldBackupsChoice, useKeyFile = false): Promise<ChangeKeyResult> {
  const file = config.encryption_key_file;
  const held = readKeyFile(file);
  if (useKeyFile && !held) {
    throw new AgentError(
      'USAGE',
      `--use-key-file makes the key ${file} holds this node's key, and ${file} does not exist: put that key file there, or leave --use-key-file out to make a new key. Nothing was changed`,
      ExitCode.CONFIG,
    );
  }
  const state = await access.server.state();
  const master = useKeyFile ? held! : newMasterKey();
  const keyId = new ChunkKeys(master).keyId;
  if (useKeyFile && state.registered?.equals(keyId)) {
    throw new AgentError(
      'USAGE',
      `${file} holds key ${keyIdText(keyId)}, which already is ${config.cname}'s key: nothing to change (cpsbackup --init-key stores its copy wrapped by a new passphrase). Nothing was changed`,
      ExitCode.CONFIG,
    );
  }
  const others = state.backups.filter((k) => !k.keyId.equals(keyId));
  if (others.length && !old) {
    throw new AgentError(
      'KEY_IN_USE',
      `${describeKeyCounts(others)}: say what becomes of them. --delete-old-backups deletes them now; ` +
        '--keep-old-backups FILE keeps them and writes the key they need to FILE (read them with cpsbackup -i N --key-file FILE). Nothing was changed',
      ExitCode.CONFIG,
    );
  }
  // The key replaced, when the node holds it: its key file's (unless that is the new key), or the server's copy opened.
  let current = useKeyFile ? undefined : held;
  let keptIn: string | undefined;
  if (old?.action === 'keep') {
    keptIn = path.resolve(old.file);
    checkKeepFile(keptIn, file);
    // The backups bound to the node's key need it; those kept through an earlier change have theirs already.
    const bound = boundBackups(state).filter((k) => !k.keyId.equals(keyId));
    const holds = (key: Buffer | undefined) => !!key && bound.every((k) => k.keyId.equals(new ChunkKeys(key).keyId));
    let opened: Buffer | undefined;
    if (bound.length && !holds(current) && state.wrapped) {
      const why = held ? `${file} holds ${useKeyFile ? 'the new key' : 'another key'}` : `${file} is missing`;
      const passphrase =
        passphraseOf(config) ?? (await access.prompt?.existing(`Passphrase of ${config.cname}'s current master key (${why}; to keep it in ${keptIn}): `));
      if (passphrase) opened = unwrap(state.wrapped, passphrase);
      if (holds(opened)) current = opened;
    }
    const currentId = current && new ChunkKeys(current).keyId;
    const unheld = bound.filter((k) => !currentId || !k.keyId.equals(currentId));
    if (unheld.length) {
      const what = [
        held ? `${file} holds ${keyIdText(new ChunkKeys(held).keyId)}` : `${file} does not exist`,
        !state.wrapped
          ? 'the server keeps no copy'
          : opened
            ? `the server's copy is ${keyIdText(new ChunkKeys(opened).keyId)}`
            : "the server's copy was not opened",
      ].join(', and ');
      throw new AgentError(
        'KEY_IN_USE',
        `${describeKeyCounts(unheld)}, and this node does not hold that key (${what}): ` +
          `--keep-old-backups keeps backups readable by writing their key to a file. Bring their key file back first (or give the passphrase of the copy the server keeps), or use --delete-old-backups. Nothing was changed`,
        ExitCode.CONFIG,
      );
    }
    if (!current) keptIn = undefined; // nothing is bound to a key: nothing to keep
  }
  // The key file is replaced: never while it holds the key of backups that stay, unless that key is the one kept.
  const heldId = held && new ChunkKeys(held).keyId;
  const heldMade = heldId && !useKeyFile && old?.action !== 'delete' && !current?.equals(held!) && state.backups.find((k) => k.keyId.equals(heldId));
  if (heldMade) {
    throw new AgentError(
      'KEY_IN_USE',
      `${file} holds key ${keyIdText(heldId!)}, not ${config.cname}'s key, and ${describeKeyCounts([heldMade])} (kept through an earlier change): ` +
        `replacing ${file} would lose this copy of their key. Move ${file} aside and keep it safe, away from this node (it reads them), ` +
        `then run cpsbackup --change-key again (the key it replaces comes from the copy the server keeps, with the passphrase). Nothing was changed`,
      ExitCode.CONFIG,
    );
  }
  const passphrase = passphraseOf(config) ?? (await access.prompt?.fresh());
  if (keptIn && current) keepOldKey(keptIn, current, file);
  // A key change even with no backups to say anything about (OLD_BACKUPS_NONE): the server still refuses if one was made meanwhile.
  const mode = !old
    ? cpsbackup.OldBackups.OLD_BACKUPS_NONE
    : old.action === 'delete'
      ? cpsbackup.OldBackups.OLD_BACKUPS_DELETE
      : cpsbackup.OldBackups.OLD_BACKUPS_KEEP;
  const after = await access.server.register(keyId, passphrase ? wrapMasterKey(master, passphrase) : undefined, mode);
  if (!useKeyFile) {
    try {
      writeKeyFile(file, master, 'replace');
    } catch (err) {
      throw new AgentError(
        'NO_KEY',
        `${(err as Error).message}. The server has the new key registered, and no backup was made with it yet: run cpsbackup --change-key again once ${file} can be written`,
        ExitCode.CONFIG,
      );
    }
  }
  const oldKeyId = current ? new ChunkKeys(current).keyId : useKeyFile ? state.registered : undefined;
  const own = after.backups.find((k) => k.keyId.equals(keyId));
  return {
    file,
    keyId,
    source: useKeyFile ? 'file' : 'made',
    ...(oldKeyId ? { oldKeyId } : {}),
    ...(keptIn ? { keptIn } : {}),
    kept: after.backups.filter((k) => !k.keyId.equals(keyId)),
    ...(own ? { own } : {}),
    deleted: after.deleted,
    copy: passphrase ? 'stored' : 'none',
  };
}

/**
 * Refuses, before anything is asked or changed, a --keep-old-backups file
 * that is not a new file: one that exists (even holding the key being
 * replaced: the key file reached by another path, a hard link or a
 * symbolic link to it, holds it until it is replaced, and a copy would go
 * unchecked), a link that leads nowhere (never written through), or the
 * place the key file is written to when it is missing. Files are compared
 * by device and inode, never by name.
 */
function checkKeepFile(keep: string, keyFile: string): void {
  const target = keyFileTarget(keyFile);
  const keyStat = statOf(target, true);
  const itself = (detail: string) =>
    new AgentError(
      'USAGE',
      `--keep-old-backups names the key file itself${detail}: name a new file, kept away from this node too. Nothing was changed`,
      ExitCode.CONFIG,
    );
  const there = statOf(keep, false);
  if (there) {
    if (sameFile(statOf(keep, true), keyStat))
      throw itself(keep === path.resolve(keyFile) ? ` (${keyFile})` : `: ${keep} is ${keyFile}, reached by another path`);
    if (there.isSymbolicLink() && !statOf(keep, true)) {
      throw new AgentError(
        'USAGE',
        `--keep-old-backups ${keep} is a symbolic link that leads nowhere: the key is written to a new file, never through a link: name a file that does not exist. Nothing was changed`,
        ExitCode.CONFIG,
      );
    }
    throw new AgentError(
      'USAGE',
      `--keep-old-backups ${keep} exists: the key is written to a new file, never over one that exists (not even a copy of that key): name a file that does not exist. Nothing was changed`,
      ExitCode.CONFIG,
    );
  }
  if (!keyStat && samePlace(keep, path.resolve(target))) throw itself(`: ${keep} is where ${keyFile} (missing now) is written with the new key`);
}

/**
 * Writes the key being replaced to `keep`, a new file (0600, durably:
 * link(2) of a file written and fsynced, which, as O_EXCL, never replaces
 * nor follows what is there), then reads it back: it must hold that key
 * and not be the key file. All before the server or the key file changes.
 */
function keepOldKey(keep: string, master: Buffer, keyFile: string): void {
  const failed = (why: string, written = true) =>
    new AgentError(
      'NO_KEY',
      `cannot write the key being replaced to ${keep}: ${why}. Nothing ${written ? 'else ' : ''}was changed: the server and ${keyFile} are as they were`,
      ExitCode.CONFIG,
    );
  try {
    createFileDurably(keep, formatKeyFile(master), 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new AgentError('USAGE', `--keep-old-backups ${keep} exists now: name a file that does not exist. Nothing was changed`, ExitCode.CONFIG);
    }
    throw failed(code ?? (err as Error).message, false);
  }
  let fd: number;
  try {
    fd = fs.openSync(keep, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    throw failed(`it cannot be read back (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    if (sameFile(fs.fstatSync(fd), statOf(keyFileTarget(keyFile), true))) {
      throw failed(`it is the key file ${keyFile} (made meanwhile by another path), which now holds the current key`);
    }
    const text = fs.readFileSync(fd, 'utf8');
    let back: Buffer | undefined;
    try {
      back = parseKeyFile(text, keep);
    } catch {
      back = undefined;
    }
    if (!back?.equals(master)) throw failed('read back, it does not hold that key (check the disk it is on, and remove it)');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The key an encrypted backup is read with: this node's, which must be
 * the one the backup was made with (the summary names it). A node without
 * it is told what to do.
 */
export function requireKeys(keys: ChunkKeys | undefined, backup: cpsbackup.BackupSummary.$Properties | null | undefined): ChunkKeys {
  const number = String(backup?.number ?? '');
  const madeWith = backup?.keyId?.length ? Buffer.from(backup.keyId) : undefined;
  if (!keys) {
    throw new AgentError(
      'NO_KEY',
      `backup ${number} is encrypted and this node has no key: set encryption = 1 (and encryption_key_file, or encryption_password for the copy the server keeps) in node.conf, or give the key file it was made with (--key-file)`,
    );
  }
  if (madeWith && !madeWith.equals(keys.keyId)) {
    throw new AgentError(
      'WRONG_KEY',
      `backup ${number} was made with key ${keyIdText(madeWith)}, and the key this node reads with is ${keyIdText(keys.keyId)}: ` +
        `give the key file it was made with, e.g. the one cpsbackup --change-key --keep-old-backups wrote (cpsbackup -i ${number} --key-file FILE). Nothing was written`,
      ExitCode.CONFIG,
    );
  }
  return keys;
}
