import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from './errors';
import { parseConfig } from './parse';
import { loadClientConfig, loadNodeConfig, loadServerConfig, nodeSchema, serverSchema } from './schemas';
import { loadStorageConfig } from './storage-schema';

const FILE = '/etc/cpsbackup/server.conf';

describe('burp-style config', () => {
  test('key = value and key=value, comments, quotes, defaults, repeated keys accumulate', () => {
    const c = parseConfig(
      ['# the server', 'port=4300', '  address = 127.0.0.1  ', 'keep = 7', 'keep=4', 'directory = "store dir"', 'ssl_cert = certs/s.pem'].join('\n'),
      FILE,
      serverSchema,
    );
    expect(c.port).toBe(4300);
    expect(c.address).toBe('127.0.0.1');
    expect(c.keep).toEqual([7, 4]);
    expect(c.status_address).toBe('127.0.0.1');
    expect(c.directory).toBe('/etc/cpsbackup/store dir');
    expect(c.ssl_cert).toBe('/etc/cpsbackup/certs/s.pem');
  });

  test.each([
    ['prot = 1', 'server.conf:1: prot: unknown key'],
    ['port = 99999', 'server.conf:1: port: must be between 0 and 65535, got 99999'],
    ['port = abc', 'server.conf:1: port: expected a whole number, got "abc"'],
    ['\n\nport = 1\nport = 2', 'server.conf:4: port: given twice (first on line 3)'],
    ['just words', 'server.conf:1: expected "key = value"'],
    ['log_level = loud', 'server.conf:1: log_level: expected one of trace, debug, info, warn, error'],
  ])('%j is refused with file:line: key', (text, message) => {
    let err: unknown;
    try {
      parseConfig(text, FILE, serverSchema);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(message);
  });

  test('node.conf: bad regex and missing required key name file and key', () => {
    expect(() => parseConfig('server = x\nexclude_regex = (', '/n.conf', nodeSchema)).toThrow(/n\.conf:2: exclude_regex: invalid regular expression/);
    expect(() => parseConfig('include = /x', '/n.conf', nodeSchema)).toThrow(/n\.conf: server: is required/);
  });

  test('files load with paths relative to them and per-client defaults', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsconf-'));
    fs.mkdirSync(path.join(dir, 'clients'));
    fs.writeFileSync(path.join(dir, 'server.conf'), 'ssl_cert_ca = ca.pem\nssl_cert = s.pem\nssl_key = s.key\ndirectory = store\n');
    fs.writeFileSync(path.join(dir, 'clients', 'web1'), '# no overrides\n');
    fs.writeFileSync(
      path.join(dir, 'node.conf'),
      'server = 127.0.0.1\nssl_cert_ca = ca.pem\nssl_cert = c.pem\nssl_key = c.key\ninclude = /srv\ninclude = /etc\n',
    );
    const s = loadServerConfig(path.join(dir, 'server.conf'));
    expect(s.directory).toBe(path.join(dir, 'store'));
    expect(s.clientconfdir).toBe(path.join(dir, 'clients'));
    expect(s.keep).toEqual([5]);
    const c = loadClientConfig(s.clientconfdir, 'web1');
    expect(c.ssl_peer_cn).toBe('web1');
    expect(() => loadClientConfig(s.clientconfdir, '../etc')).toThrow(/invalid client name/);
    expect(() => loadClientConfig(s.clientconfdir, 'nobody')).toThrow(/nobody: cannot read: ENOENT/);
    const n = loadNodeConfig(path.join(dir, 'node.conf'), 'host-a');
    expect(n.cname).toBe('host-a');
    expect(n.include).toEqual(['/srv', '/etc']);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('the example files shipped in conf/', () => {
  const conf = path.resolve(__dirname, '../../../conf');
  test('parse without errors', () => {
    const s = loadServerConfig(path.join(conf, 'server.conf'));
    expect(s.port).toBe(4200);
    expect(s.status_address).toBe('127.0.0.1');
    expect(loadClientConfig(s.clientconfdir, 'cpsnode').ssl_peer_cn).toBe('cpsnode');
    expect(loadNodeConfig(path.join(conf, 'node.conf'), 'x').read_all_fifos).toBe(true);
    expect(loadStorageConfig(path.join(conf, 'storage.conf')).collection).toContain('periodical_alarm');
  });

  test('storage.conf refuses unknown placeholders and restores of undefined dumps', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsstorage-'));
    const f = path.join(dir, 'storage.conf');
    fs.writeFileSync(f, 'dump = db: pg_dump > {fifoo}\n');
    expect(() => loadStorageConfig(f)).toThrow(/storage\.conf:1: dump: unknown placeholder \{fifoo\}/);
    fs.writeFileSync(f, 'dump = db: pg_dump > {fifo}\nrestore = other: pg_restore {file}\n');
    expect(() => loadStorageConfig(f)).toThrow(/restore: names "other", which no dump line defines/);
    fs.writeFileSync(f, 'dump = no command\n');
    expect(() => loadStorageConfig(f)).toThrow(/expected "NAME: command"/);
    fs.rmSync(dir, { recursive: true });
  });
});
