import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BURP_NODE_KEYS, BURP_SERVER_KEYS } from './burp-keys';
import { ConfigError } from './errors';
import { NODE_KEYS_IN_CLIENT_FILE } from './misplaced-keys';
import { parseConfig, readConfigLines } from './parse';
import { clientSchema, loadClientConfig, loadNodeConfig, loadServerConfig, nodeSchema, serverSchema } from './schemas';
import { loadStorageConfig, storageSchema } from './storage-schema';

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

  test('storage = s3: its keys, their defaults, and a bucket required', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsconf-s3-'));
    const file = path.join(dir, 'server.conf');
    fs.writeFileSync(file, 'storage = s3\ns3_bucket = backups\ns3_prefix = srv1/\ns3_credentials_file = s3.cred\ns3_cache_size = 2G\n');
    const c = loadServerConfig(file);
    expect(c).toMatchObject({ storage: 's3', s3_bucket: 'backups', s3_prefix: 'srv1/', s3_region: 'us-east-1', s3_path_style: true, s3_endpoint: '' });
    expect(c.s3_credentials_file).toBe(path.join(dir, 's3.cred'));
    expect(c.s3_cache_size).toBe(2 * 1024 ** 3);
    fs.writeFileSync(file, 'storage = s3\n');
    expect(() => loadServerConfig(file)).toThrow(/server\.conf: s3_bucket: storage = s3 needs s3_bucket/);
    fs.writeFileSync(file, 'storage = ftp\n');
    expect(() => loadServerConfig(file)).toThrow(/storage: expected one of local, s3/);
    fs.writeFileSync(file, 'port = 4200\n');
    expect(loadServerConfig(file).storage).toBe('local');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('s3_retry_time: 5 minutes by default, a duration, refused out of 10s to 24h with what it is for', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsconf-retry-'));
    const file = path.join(dir, 'server.conf');
    fs.writeFileSync(file, 'storage = s3\ns3_bucket = backups\n');
    expect(loadServerConfig(file).s3_retry_time).toBe(300);
    fs.writeFileSync(file, 'storage = s3\ns3_bucket = backups\ns3_retry_time = 15m\n');
    expect(loadServerConfig(file).s3_retry_time).toBe(900);
    for (const bad of ['5s', '2d']) {
      fs.writeFileSync(file, `storage = s3\ns3_bucket = backups\ns3_retry_time = ${bad}\n`);
      expect(() => loadServerConfig(file)).toThrow(
        /server\.conf: s3_retry_time: s3_retry_time = \d+ s is out of range: between 10s and 24h \(a gateway restart takes seconds, a full cluster minutes; 5m is the default\)/,
      );
    }
    fs.writeFileSync(file, 'storage = s3\ns3_bucket = backups\ns3_retry_time = soon\n');
    expect(() => loadServerConfig(file)).toThrow(/s3_retry_time: expected a duration such as 90s, 15m, 26h or 7d, got "soon"/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('script timeouts: from 1s to 24d (a longer Node.js timer fires at once: a script would be killed as it starts)', () => {
    expect(parseConfig('server = x\nscript_timeout = 24d', '/n.conf', nodeSchema).script_timeout).toBe(24 * 86400);
    for (const [schema, key, bad] of [
      [nodeSchema, 'script_timeout', '30d'],
      [nodeSchema, 'script_timeout', '0'],
      [serverSchema, 'server_script_timeout', '25d'],
      [serverSchema, 'server_script_timeout', '0s'],
    ] as const) {
      const first = schema === nodeSchema ? 'server = x' : 'port = 4971';
      expect(() => parseConfig(`${first}\n${key} = ${bad}`, '/x.conf', schema as typeof nodeSchema)).toThrow(
        new RegExp(`x\\.conf:2: ${key}: expected a duration from 1s to 24d, got "${bad}"`),
      );
    }
  });

  test('node.conf: bad regex and missing required key name file and key', () => {
    expect(() => parseConfig('server = x\nexclude_regex = (', '/n.conf', nodeSchema)).toThrow(
      /n\.conf:2: exclude_regex: "\(" is not a regular expression cpsbackup can run \(POSIX extended, by RE2: missing \)/,
    );
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
    expect(s.records_key).toBe(path.join(dir, 'records.key')); // beside server.conf unless set
    fs.appendFileSync(path.join(dir, 'server.conf'), 'records_key = keys/records.key\n');
    expect(loadServerConfig(path.join(dir, 'server.conf')).records_key).toBe(path.join(dir, 'keys', 'records.key'));
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

  // README says every key is explained there: each key of each file is in its example, set or as a
  // comment, and each commented example line, set in its file instead, is a value the file takes.
  const examples = [
    { file: 'server.conf', schema: serverSchema, burp: BURP_SERVER_KEYS },
    { file: 'clients/cpsnode', schema: clientSchema, burp: BURP_SERVER_KEYS },
    { file: 'node.conf', schema: nodeSchema, burp: BURP_NODE_KEYS },
    { file: 'storage.conf', schema: storageSchema, burp: {} },
  ];
  test.each(examples)('$file names every key its file reads, and each commented example is a value it takes', ({ file, schema, burp }) => {
    const text = fs.readFileSync(path.join(conf, file), 'utf8');
    const unnamed = Object.keys(schema).filter((k) => !new RegExp(`^#?\\s*${k}\\s*=`, 'm').test(text));
    expect(unnamed).toEqual([]);
    const lines = text.split('\n');
    const refused: string[] = [];
    lines.forEach((line, i) => {
      const m = /^#\s*([a-z][a-z0-9_]*)\s*=\s*(.*?)(\s{2,}\(.*\))?$/.exec(line);
      if (!m || !(m[1]! in schema)) return;
      // The file as shipped with this line set, and the key's other set lines left out (one value for one key).
      const set = lines.map((l, j) => (j === i ? `${m[1]} = ${m[2]}` : readConfigLines(l, file)[0]?.key === m[1] ? '' : l)).join('\n');
      try {
        parseConfig(set, file, schema, { burp, warnings: [] });
      } catch (err) {
        refused.push((err as Error).message);
      }
    });
    expect(refused).toEqual([]);
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

describe('files written for Burp and the Canopsis cpsbackup page', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsburp-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true }));
  const write = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };

  test("the page's server.conf and node.conf load as written, with the certificates in ssl/ beside them", () => {
    const s = loadServerConfig(write('server.conf', 'address = 0.0.0.0\nport = 4971\nstatus_address = 127.0.0.1\nstatus_port = 4972\nkeep = 7\n'));
    expect([s.port, s.status_port, s.keep]).toEqual([4971, 4972, [7]]);
    expect([s.ssl_cert_ca, s.ssl_cert, s.ssl_key]).toEqual(
      ['ssl_cert_ca.pem', 'ssl_cert-server.pem', 'ssl_cert-server.key'].map((f) => path.join(dir, 'ssl', f)),
    );
    expect(s.warnings).toEqual([]);
    const n = loadNodeConfig(
      write('node.conf', 'server = 127.0.0.1\nport = 4971\ninclude = /opt/canopsis/etc\nexclude_regex = \\.pyc$\nread_all_fifos = 1\n'),
      'node-1',
    );
    expect([n.ssl_cert_ca, n.ssl_cert, n.ssl_key]).toEqual(
      ['ssl_cert_ca.pem', 'ssl_cert-client.pem', 'ssl_cert-client.key'].map((f) => path.join(dir, 'ssl', f)),
    );
    expect([n.cname, n.cnameFromHostname]).toEqual(['node-1', true]);
  });

  test('a Burp key cpsbackup does not implement is a warning naming it, file and line, and what to use instead', () => {
    const s = loadServerConfig(
      write('server.conf', 'mode = server\npidfile = /var/run/burp.pid\nsyslog = 1\ntimer_script = /etc/burp/timer_script\nkeep = 3\n'),
    );
    expect(s.keep).toEqual([3]);
    expect(s.warnings).toHaveLength(4);
    expect(s.warnings[0]).toBe(
      `${path.join(dir, 'server.conf')}:1: mode is a Burp setting cpsbackup does not implement; ignored (cpsbackupd is the server and cpsbackup the client)`,
    );
    expect(s.warnings[3]).toMatch(/:4: timer_script .* backup_interval and backup_window in node\.conf/);
    const n = loadNodeConfig(write('node.conf', 'server = x\nstdout = 1\nsplit_vss = 0\ncname = a\n'), 'h');
    expect(n.warnings.map((w) => w.split(': ')[1])).toEqual([
      'stdout is a Burp setting cpsbackup does not implement; ignored (cpsbackupd logs JSON lines to standard output (journald under systemd))',
      'split_vss is a Burp setting cpsbackup does not implement; ignored (not applicable)',
    ]);
  });

  test.each([
    [
      'node.conf',
      'server = x\nssl_key_password = pw\n',
      /node\.conf:2: ssl_key_password: is a Burp setting cpsbackup does not implement, and ignoring it could leave data unprotected: .*unencrypted/,
    ],
    ['server.conf', 'ssl_key_password = pw\n', /ssl_key_password: .*unencrypted/],
  ])('%s: a Burp key whose absence would lose data is refused (%j)', (name, text, message) => {
    const file = write(name, text);
    expect(() => (name === 'node.conf' ? loadNodeConfig(file, 'h') : loadServerConfig(file))).toThrow(message);
  });

  test("encryption: Burp's encryption_password turns it on; the key file defaults beside node.conf", () => {
    const file = write('node.conf', 'server = x\nencryption_password = s3cret\n');
    const c = loadNodeConfig(file, 'h');
    expect(c.encryption).toBe(true);
    expect(c.encryption_password).toBe('s3cret');
    expect(c.encryption_key_file).toBe(path.join(path.dirname(file), 'encryption.key'));
    expect(loadNodeConfig(write('node.conf', 'server = x\n'), 'h').encryption).toBe(false);
    expect(loadNodeConfig(write('node.conf', 'server = x\nencryption = 1\nencryption_key_file = /k\n'), 'h')).toMatchObject({
      encryption: true,
      encryption_key_file: '/k',
    });
  });

  test('encryption_padding: padme unless set to none; anything else is refused naming what it may be', () => {
    expect(loadNodeConfig(write('node.conf', 'server = x\nencryption = 1\n'), 'h').encryption_padding).toBe('padme');
    expect(loadNodeConfig(write('node.conf', 'server = x\nencryption_padding = none\n'), 'h').encryption_padding).toBe('none');
    expect(() => loadNodeConfig(write('node.conf', 'server = x\nencryption_padding = 0\n'), 'h')).toThrow(
      'node.conf:2: encryption_padding: expected one of padme, none',
    );
  });

  test("ratelimit: Burp's Mbit/s, fractions as Burp's atof reads them; absent is no limit; zero, negative and words refused", () => {
    const rate = (v: string) => loadNodeConfig(write('node.conf', `server = x\nratelimit = ${v}\n`), 'h').ratelimit;
    expect(loadNodeConfig(write('node.conf', 'server = x\n'), 'h').ratelimit).toBeUndefined();
    expect([rate('8'), rate('1.5'), rate('0.5'), rate('.25'), rate('2.')]).toEqual([8, 1.5, 0.5, 0.25, 2]);
    for (const bad of ['0', '0.0', '-1', '1e3', 'fast', '8Mbit']) expect(() => rate(bad)).toThrow(/node\.conf:2: ratelimit: /);
  });

  test('OPERATIONS.md lists as refused exactly Burp settings that are refused (each loaded in a file of its kind)', () => {
    const doc = fs.readFileSync(path.resolve(__dirname, '../../../docs/OPERATIONS.md'), 'utf8').replace(/\s+/g, ' ');
    const list = /One whose silent absence could leave data unprotected is refused instead: (.*?)\. /.exec(doc)?.[1];
    const keys = [...(list ?? '').matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!);
    expect(keys.length).toBeGreaterThan(0); // the sentence was found (keys leave it as they are implemented)
    for (const key of keys) {
      const server = key in BURP_SERVER_KEYS;
      const file = write(server ? 'server.conf' : 'node.conf', `${server ? '' : 'server = x\n'}${key} = something\n`);
      expect(() => (server ? loadServerConfig(file) : loadNodeConfig(file, 'h'))).toThrow(`${key}: is a Burp setting cpsbackup does not implement`);
    }
  });

  test('a key neither cpsbackup nor Burp knows stays an error; so does a Burp server key in node.conf', () => {
    expect(() => loadServerConfig(write('server.conf', 'kepp = 3\n'))).toThrow(/server\.conf:1: kepp: unknown key/);
    expect(() => loadNodeConfig(write('node.conf', 'server = x\nhardlinked_archive = 1\n'), 'h')).toThrow(/hardlinked_archive: unknown key/);
  });

  test('a host name that cannot be a client name says that cname is unset and how to set it', () => {
    expect(() => loadNodeConfig(write('node.conf', 'server = x\n'), 'bad host')).toThrow(
      /cname: invalid client name "bad host" \(cname is not set, so the host name is used: set cname = /,
    );
  });

  test("a client file's notify scripts override server.conf's, their arguments replace the server's", () => {
    const s = loadServerConfig(
      write('server.conf', 'notify_failure_script = /bin/mail-admin\nnotify_failure_arg = ops@example.com\nnotify_failure_arg = -v\n'),
    );
    expect([s.notify_failure_script, s.notify_failure_arg]).toEqual(['/bin/mail-admin', ['ops@example.com', '-v']]);
    fs.mkdirSync(path.join(dir, 'clients'));
    fs.writeFileSync(path.join(dir, 'clients', 'web1'), 'notify_success_script = ok.sh\nmanual_delete = 1\n');
    const c = loadClientConfig(path.join(dir, 'clients'), 'web1');
    expect(c.notify_success_script).toBe(path.join(dir, 'clients', 'ok.sh'));
    expect(c.warnings).toHaveLength(1);
  });

  test("Burp's selection keys: its size syntax, extensions and names as Burp takes them, what would select nothing refused", () => {
    const sizes: Array<[string, number]> = [
      ['10Mb', 10 * 1024 ** 2],
      ['0 Mb', 0],
      ['1Kb', 1024],
      ['512 kb', 512 * 1024],
      ['2Gb', 2 * 1024 ** 3],
      ['10b', 10],
      ['700', 700],
      ['3 MB', 3 * 1024 ** 2],
    ];
    for (const [text, bytes] of sizes) {
      const c = loadNodeConfig(write('node.conf', `server = x\ninclude = /srv\nmax_file_size = ${text}\n`), 'h');
      expect([text, c.max_file_size]).toEqual([text, bytes]);
    }
    const c = loadNodeConfig(
      write(
        'node.conf',
        'server = x\ninclude_glob = /home/*/Documents\ninclude_regex = ^/home\ninclude_ext = PDF\nexclude_ext = iso\nnobackup = .nobackup\nnobackup = .exclude\nexclude_comp = gz\n',
      ),
      'h',
    );
    expect(c.warnings).toEqual([]);
    expect([c.include_glob, c.include_regex.map((r) => r.source), c.include_ext, c.exclude_ext, c.nobackup, c.exclude_comp]).toEqual([
      ['/home/*/Documents'],
      ['^\\/home'],
      ['PDF'],
      ['iso'],
      ['.nobackup', '.exclude'],
      ['gz'],
    ]);
    const refused: Array<[string, RegExp]> = [
      ['include = /srv\nexclude = /srv/\n', /node\.conf: exclude: \/srv is both included and excluded: remove one of the two lines/],
      ['include = /srv\nexclude_comp = .gz\n', /node\.conf:3: exclude_comp: expected an extension without its dot, e\.g\. exclude_comp = gz, got "\.gz"/],
      ['include_regex = a\n', /include_regex selects below an include: add at least one include or include_glob/],
      ['include = /srv\nmin_file_size = 2Kb\nmax_file_size = 1Kb\n', /min_file_size \(2048 bytes\) is above max_file_size \(1024 bytes\)/],
      ['include = /srv\nnobackup = x/.nobackup\n', /nobackup takes a file name/],
      [
        'include_glob = home/*\n',
        /node\.conf:2: include_glob: expected an absolute pattern \(one that starts with \/\), e\.g\. \/home\/\*\/Documents, got "home\/\*"/,
      ],
      ['include = /srv\nmin_file_size = 10 parsecs\n', /min_file_size: expected a size/],
    ];
    for (const [text, message] of refused) expect(() => loadNodeConfig(write('node.conf', `server = x\n${text}`), 'h')).toThrow(message);
  });
  test('exclude_regex and include_regex are POSIX extended, as Burp compiles them: bracket classes, no lookaround, linear time', () => {
    const load = (text: string) => loadNodeConfig(write('node.conf', `server = x\ninclude = /srv\n${text}`), 'h');
    const [digit] = load('exclude_regex = [[:digit:]]\\.log$\n').exclude_regex;
    expect(['/srv/app1.log', '/srv/app.log', '/srv/d].log', '/srv/:.log'].filter((p) => digit!.test(p))).toEqual(['/srv/app1.log']);
    const [alpha] = load('include_regex = ^/srv/[[:alpha:]]+$\n').include_regex;
    expect(['/srv/abc', '/srv/a1', '/srv/:'].filter((p) => alpha!.test(p))).toEqual(['/srv/abc']);
    // POSIX without REG_NEWLINE: '.' matches any character, a newline in a name too.
    expect(load('exclude_regex = ^/srv/a.b$\n').exclude_regex[0]!.test('/srv/a\nb')).toBe(true);
    // A pattern that backtracks for ever in a backtracking engine answers at once.
    expect(load('exclude_regex = ^/srv/(a+)+$\n').exclude_regex[0]!.test(`/srv/${'a'.repeat(40)}!`)).toBe(false);
    const refused: Array<[string, RegExp]> = [
      [
        'exclude_regex = (?<=/srv/)tmp$\n',
        /node\.conf:3: exclude_regex: "\(\?<=\/srv\/\)tmp\$" is not a regular expression cpsbackup can run \(POSIX extended, by RE2: .*\): lookahead and lookbehind .* are not POSIX extended syntax: rewrite the pattern without them/,
      ],
      ['include_regex = (a)\\1\n', /node\.conf:3: include_regex: .*backreferences \(\\1\) are not POSIX extended syntax/],
      ['include_regex = [[:foo:]]\n', /node\.conf:3: include_regex: "\[\[:foo:\]\]" is not a regular expression .*: write it in POSIX extended syntax/],
      ['exclude_regex =\n', /node\.conf:3: exclude_regex: expected a regular expression, got nothing: remove the line/],
      ['include_regex =\n', /node\.conf:3: include_regex: expected a regular expression, got nothing/],
    ];
    for (const [text, message] of refused) expect(() => load(text)).toThrow(message);
  });

  test('an extension holds no dot, and the paths a backup selects by are absolute', () => {
    const refused: Array<[string, RegExp]> = [
      [
        'exclude_ext = tar.gz\n',
        /node\.conf:3: exclude_ext: "tar\.gz" would match no file: an extension is what follows the last dot of a name \(x\.tar\.gz has the extension gz\): write exclude_ext = gz/,
      ],
      ['include_ext = a.b.PDF\n', /node\.conf:3: include_ext: .* write include_ext = PDF/],
      ['exclude_comp = tar.zst\n', /node\.conf:3: exclude_comp: .* write exclude_comp = zst/],
      ['exclude_ext =\n', /node\.conf:3: exclude_ext: expected an extension, e\.g\. exclude_ext = gz, got nothing/],
      [
        'exclude = srv/cache\n',
        /node\.conf:3: exclude: expected an absolute path \(one that starts with \/\), got "srv\/cache": write the full path, e\.g\. \/srv\/cache/,
      ],
      ['include = home\n', /node\.conf:3: include: expected an absolute path/],
      ['cross_filesystem = mnt/nfs\n', /node\.conf:3: cross_filesystem: expected an absolute path/],
      ['read_blockdev = dev/sdb\n', /node\.conf:3: read_blockdev: expected an absolute path/],
      ['read_fifo = ./pipe\n', /node\.conf:3: read_fifo: expected an absolute path/],
      ['exclude =\n', /node\.conf:3: exclude: expected an absolute path, got nothing/],
    ];
    for (const [text, message] of refused) expect(() => loadNodeConfig(write('node.conf', `server = x\ninclude = /srv\n${text}`), 'h')).toThrow(message);
    const c = loadNodeConfig(write('node.conf', 'server = x\ninclude = /srv/\nexclude = /srv/a/../b\nexclude_ext = gz\n'), 'h');
    expect([c.include, c.exclude, c.exclude_ext]).toEqual([['/srv'], ['/srv/b'], ['gz']]);
  });
});

describe('zstd_level: where it is set, and the levels it takes', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpszstd-'));
    fs.mkdirSync(path.join(dir, 'clients'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true }));
  const write = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };

  test("0 is refused in node.conf and server.conf (zstd's 0 is level 3, Burp's compression = 0 is off), with the range and the default", () => {
    const zero =
      /zstd_level: 0 is not a level cpsbackup takes: zstd reads it as level 3, while Burp's compression = 0 means off\. Give -7 to -1 \(zstd's fast levels\) or 1 to 19 \(19 is very slow: about 3 MiB\/s per core\); 3 is the default/;
    expect(() => loadNodeConfig(write('node.conf', 'server = x\nzstd_level = 0\n'), 'h')).toThrow(new RegExp(`node\\.conf:2: ${zero.source}`));
    expect(() => loadServerConfig(write('server.conf', 'zstd_level = 0\n'))).toThrow(new RegExp(`server\\.conf:1: ${zero.source}`));
    expect(() => loadServerConfig(write('server.conf', 'zstd_level = 20\n'))).toThrow(
      /server\.conf:1: zstd_level: must be between -7 and 19, got 20: give -7 to -1 \(zstd's fast levels\) or 1 to 19 .*3 is the default/,
    );
    for (const level of [-7, -1, 1, 19]) expect(loadNodeConfig(write('node.conf', `server = x\nzstd_level = ${level}\n`), 'h').zstd_level).toBe(level);
    expect(loadNodeConfig(write('node.conf', 'server = x\n'), 'h').zstd_level).toBe(3);
    expect(loadServerConfig(write('server.conf', '')).zstd_level).toBe(3);
  });

  test("a client file's zstd_level and read_concurrency are the node's: ignored with a warning naming node.conf, the client still loads", () => {
    write('clients/n2', 'ssl_peer_cn = n2\nzstd_level = 1\nread_concurrency = 4\n');
    const c = loadClientConfig(path.join(dir, 'clients'), 'n2');
    expect(c.ssl_peer_cn).toBe('n2');
    expect(c.warnings).toEqual([
      `${dir}/clients/n2:2: zstd_level is not read from this file; ignored (the node compresses its chunks: set zstd_level in that node's node.conf, and remove this line; server.conf's zstd_level is only for what the server compresses itself, listings)`,
      `${dir}/clients/n2:3: read_concurrency is not read from this file; ignored (the node reads its files: set read_concurrency in that node's node.conf, and remove this line)`,
    ]);
    // A key of no file stays an error.
    write('clients/n3', 'zstd_levle = 1\n');
    expect(() => loadClientConfig(path.join(dir, 'clients'), 'n3')).toThrow(/clients\/n3:1: zstd_levle: unknown key/);
  });

  test('every node.conf key in a client file is ignored with a warning naming node.conf, or refused saying to move it there: never "unknown"', () => {
    const told: Record<string, string> = {};
    for (const k of Object.keys(nodeSchema)) {
      if (k in clientSchema || (k in BURP_SERVER_KEYS && !(k in NODE_KEYS_IN_CLIENT_FILE))) continue; // the client file's own key, or a Burp selection key (warned as Burp's)
      write('clients/n4', `ssl_peer_cn = n4\n${k} = x\n`);
      try {
        const c = loadClientConfig(path.join(dir, 'clients'), 'n4');
        told[k] = `ignored: ${c.warnings.join(' | ')}`;
      } catch (err) {
        told[k] = `refused: ${(err as Error).message}`;
      }
    }
    const wrong = Object.entries(told).filter(
      ([k, m]) =>
        !new RegExp(
          `^(ignored: .*clients/n4:2: ${k} is not read from this file; ignored \\(.*node\\.conf|refused: .*clients/n4:2: ${k}: is a node\\.conf key: .*move ${k} to that node's node\\.conf)`,
        ).test(m),
    );
    expect(wrong).toEqual([]);
    // Tuning is ignored; what the node protects, how, and who it is, is refused.
    for (const k of ['nice', 'ionice', 'ratelimit', 'backup_window', 'spool_dir', 'network_timeout']) expect(told[k]).toMatch(/^ignored/);
    for (const k of ['encryption', 'read_fifo', 'read_all_fifos', 'restoreprefix', 'server', 'cname', 'acl', 'xattr', 'min_file_size'])
      expect(told[k]).toMatch(/^refused/);
  });

  test("Burp's compression points to node.conf's zstd_level from every file", () => {
    write('clients/n2', 'compression = 9\n');
    const server = loadServerConfig(write('server.conf', 'compression = 9\n'));
    const client = loadClientConfig(path.join(dir, 'clients'), 'n2');
    for (const w of [...server.warnings, ...client.warnings]) {
      expect(w).toMatch(
        /compression is a Burp setting .*ignored \(the node compresses its chunks: set zstd_level in the node's node\.conf, -7 to -1 .* 3 by default/,
      );
      expect(w).toContain("Burp's compression = 0 (off): exclude_comp in node.conf");
    }
    const node = loadNodeConfig(write('node.conf', 'server = x\ncompression = 0\n'), 'h');
    expect(node.warnings).toEqual([expect.stringMatching(/node\.conf:2: compression is a Burp setting .*ignored \(set zstd_level in this node\.conf: /)]);
  });
});

test('the example node.conf and server.conf show zstd_level, and node.conf read_concurrency, commented with their defaults', () => {
  const conf = path.resolve(__dirname, '../../../conf');
  const node = fs.readFileSync(path.join(conf, 'node.conf'), 'utf8');
  const server = fs.readFileSync(path.join(conf, 'server.conf'), 'utf8');
  expect(node).toContain(`\n#zstd_level = ${nodeSchema.zstd_level.defaultValue}\n`);
  expect(node).toContain(`\n#read_concurrency = ${nodeSchema.read_concurrency.defaultValue}\n`);
  expect(server).toContain(`\n#zstd_level = ${serverSchema.zstd_level.defaultValue}\n`);
});
