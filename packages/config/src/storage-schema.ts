import * as path from 'node:path';
import * as fs from 'node:fs';
import { ConfigError } from './errors';
import { loadConfig } from './parse';
import { type ConfigOf, type KeySpec, type ValueSource } from './spec';

/** A named command line with {placeholders}: "NAME: command". */
export interface NamedCommand {
  name: string;
  command: string;
}

const PLACEHOLDERS = new Set(['fifo', 'file', 'uri', 'database', 'collection', 'name']);
const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function checkPlaceholders(command: string, allowed: string[]): void {
  for (const m of command.matchAll(/\{([a-z_]+)\}/g)) {
    if (!PLACEHOLDERS.has(m[1]!) || !allowed.includes(m[1]!)) {
      throw new Error(`unknown placeholder {${m[1]}} (this command may use ${allowed.map((a) => `{${a}}`).join(', ')})`);
    }
  }
}

function namedCommand(allowed: string[]): (raw: string, src: ValueSource) => NamedCommand {
  return (raw) => {
    const colon = raw.indexOf(':');
    const name = colon > 0 ? raw.slice(0, colon).trim() : '';
    const command = colon > 0 ? raw.slice(colon + 1).trim() : '';
    if (!JOB_NAME.test(name) || command === '') throw new Error(`expected "NAME: command", got ${JSON.stringify(raw)}`);
    checkPlaceholders(command, allowed);
    return { name, command };
  };
}

function template(allowed: string[], def: string, help: string): KeySpec<string> {
  return {
    repeatable: false,
    required: false,
    defaultValue: def,
    help,
    parseOne: (raw) => {
      if (raw === '') throw new Error('expected a command');
      checkPlaceholders(raw, allowed);
      return raw;
    },
    combine: (values) => values[values.length - 1] as string,
  };
}

function list<T>(parse: (raw: string, src: ValueSource) => T, help: string): KeySpec<T[]> {
  return { repeatable: true, required: false, defaultValue: [], help, parseOne: parse, combine: (v) => v as T[] };
}

/** `conf/storage.conf`: the database dump jobs run by `cpsbackup -e` and reloaded by `-i`. */
export const storageSchema = {
  dump_directory: {
    repeatable: false,
    required: false,
    defaultValue: '/var/lib/cpsbackup-agent/dumps',
    help: 'where the dump FIFOs are made (backed up with the node, restored as files)',
    parseOne: (raw: string, src: ValueSource) => path.resolve(path.dirname(src.file), raw),
    combine: (v: unknown[]) => v[v.length - 1] as string,
  } as KeySpec<string>,
  mongodb_uri: template([], 'mongodb://localhost:27017', 'MongoDB connection string for {uri}'),
  mongodb_database: template([], 'canopsis', 'MongoDB database for {database}'),
  collection: list((raw) => {
    if (!/^[A-Za-z0-9_.$-]{1,120}$/.test(raw)) throw new Error(`invalid collection name ${JSON.stringify(raw)}`);
    return raw;
  }, 'a MongoDB collection to dump, one FIFO each (repeatable)'),
  mongodump: template(
    ['uri', 'database', 'collection', 'fifo', 'name'],
    'mongodump --uri={uri} --db={database} --collection={collection} --archive={fifo}',
    'dump command for each collection; writes into {fifo}',
  ),
  mongorestore: template(
    ['uri', 'database', 'collection', 'file', 'name'],
    'mongorestore --uri={uri} --nsInclude={database}.{collection} --drop --archive={file}',
    'restore command for each collection; reads {file}',
  ),
  dump: list(namedCommand(['fifo', 'name']), 'NAME: any command that writes a dump into {fifo} (repeatable)'),
  restore: list(namedCommand(['file', 'name']), 'NAME: the command that loads dump NAME from {file} (repeatable)'),
  dump_timeout: {
    repeatable: false,
    required: false,
    defaultValue: 3600,
    help: 'seconds a dump command may take after its FIFO was read to the end',
    parseOne: (raw: string) => {
      if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`expected seconds, got ${JSON.stringify(raw)}`);
      return Number(raw);
    },
    combine: (v: unknown[]) => v[v.length - 1] as number,
  } as KeySpec<number>,
};
/** A parsed storage.conf. */
export type StorageConfig = ConfigOf<typeof storageSchema> & { configFile: string };

/** Loads storage.conf, checking that names are unique and each restore names a dump. */
export function loadStorageConfig(file: string): StorageConfig {
  const abs = path.resolve(file);
  const c = loadConfig(abs, storageSchema);
  const names = new Set<string>(c.collection.map((x) => `mongodb-${x}`));
  for (const d of c.dump) {
    if (names.has(d.name)) throw new ConfigError(abs, undefined, 'dump', `job name ${JSON.stringify(d.name)} is used twice`);
    names.add(d.name);
  }
  for (const r of c.restore) {
    if (!c.dump.some((d) => d.name === r.name)) throw new ConfigError(abs, undefined, 'restore', `names ${JSON.stringify(r.name)}, which no dump line defines`);
  }
  return { ...c, configFile: abs };
}

/** The storage.conf a node.conf uses: its storage_conf key, else storage.conf beside it if present. */
export function storageConfigPathFor(nodeConfigFile: string, explicit: string | undefined): string | undefined {
  if (explicit) return explicit;
  const beside = path.join(path.dirname(nodeConfigFile), 'storage.conf');
  return fs.existsSync(beside) ? beside : undefined;
}
