/**
 * A FIFO whose content was backed up (a database dump written into it)
 * comes back as a regular file named after it holding that content, as the
 * Canopsis page says Burp does, on every path: a plain restore to the
 * original place, --to, another node's backup (-C, a dead node's dump), an
 * encrypted node. A FIFO backed up without content comes back as a FIFO.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeededRandom } from '@cpsbackup/testkit';
import { runCli, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

const PASSPHRASE = 'fifo restore passphrase 7';

describe('FIFOs on restore', () => {
  const { root, pki, server } = useServer('fifo-restore', {
    clients: { db1: [], dead: ['restore_client = rescue'], rescue: [], enc: [] },
  });

  /**
   * Makes the FIFO `fifo` and starts a real writer process that pushes
   * `content` into it once a reader opens it (as mongodump or pg_dump
   * would); resolves with the writer's exit code.
   */
  function feed(fifo: string, content: Buffer): Promise<number | null> {
    const source = path.join(root, `${path.basename(path.dirname(fifo))}-${path.basename(fifo)}.source`);
    fs.writeFileSync(source, content);
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', source, fifo], { stdio: 'ignore' });
    return new Promise((resolve) => writer.on('exit', (code) => resolve(code)));
  }

  /** A data directory with a fed FIFO (db.dump, listed in read_fifo) and a FIFO that is never read (idle.fifo). */
  function fifoData(name: string): { data: string; dump: string; idle: string; content: Buffer; writer: Promise<number | null> } {
    const data = path.join(root, name);
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'app.conf'), 'x = 1\n');
    const dump = path.join(data, 'db.dump');
    const idle = path.join(data, 'idle.fifo');
    const content = new SeededRandom(name).bytes(3_000_000);
    const writer = feed(dump, content);
    execFileSync('mkfifo', ['-m', '0640', idle]);
    return { data, dump, idle, content, writer };
  }

  /** The restored dump is a regular file with the FIFO's content and mode; the unread FIFO is a FIFO. */
  function expectRestored(under: string, d: { dump: string; idle: string; content: Buffer }, dumpMode: number): void {
    const dump = path.join(under, d.dump);
    expect(fs.lstatSync(dump).isFile()).toBe(true);
    expect(fs.readFileSync(dump).equals(d.content)).toBe(true);
    expect(fs.lstatSync(dump).mode & 0o7777).toBe(dumpMode);
    const idle = fs.lstatSync(path.join(under, d.idle));
    expect(idle.isFIFO()).toBe(true);
    expect(idle.mode & 0o7777).toBe(0o640);
  }

  test('own node: -i to the original paths and --to write the content as a file; --fifo-as-fifo makes the FIFO', async () => {
    const d = fifoData('db1-data');
    const conf = writeNodeConf(root, server, {
      cname: 'db1',
      cert: pki.client('db1'),
      include: [d.data],
      extra: [`read_fifo = ${d.dump}`, 'fifo_timeout = 30'],
    });
    const b = await runCli(['-c', conf, '-e', '--json']);
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    expect(await d.writer).toBe(0);
    const num = String(JSON.parse(b.stdout).backup.number);
    const show = (await runCli(['-c', conf, '-s', num])).stdout;
    expect(show).toMatch(/^prw.* 3000000 .*\/db\.dump \(content\)$/m);
    expect(show).toMatch(/^prw-r----- .*\/idle\.fifo$/m);
    const dumpMode = fs.lstatSync(d.dump).mode & 0o7777;

    const to = path.join(root, 'db1-to');
    const r = await runCli(['-c', conf, '-i', num, '--to', to]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expectRestored(to, d, dumpMode);

    // A plain -i: back where they were (the node lost them).
    fs.rmSync(d.data, { recursive: true });
    const plain = await runCli(['-c', conf, '-i', num, '--prefix', d.data]);
    expect(plain.stderr).toBe('');
    expect(plain.code).toBe(0);
    expectRestored('/', d, dumpMode);

    const asFifo = path.join(root, 'db1-as-fifo');
    expect((await runCli(['-c', conf, '-i', num, '--to', asFifo, '--fifo-as-fifo'])).code).toBe(0);
    expect(fs.lstatSync(path.join(asFifo, d.dump)).isFIFO()).toBe(true);
    expect(fs.lstatSync(path.join(asFifo, d.idle)).isFIFO()).toBe(true);

    // --fifo-as-file, the former way to ask for the default, is still taken.
    const asFile = path.join(root, 'db1-as-file');
    expect((await runCli(['-c', conf, '-i', num, '--to', asFile, '--fifo-as-file'])).code).toBe(0);
    expect(fs.readFileSync(path.join(asFile, d.dump)).equals(d.content)).toBe(true);

    const both = await runCli(['-c', conf, '-i', num, '--to', path.join(root, 'never'), '--fifo-as-fifo', '--fifo-as-file']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give one of --fifo-as-fifo and --fifo-as-file');
    expect(fs.existsSync(path.join(root, 'never'))).toBe(false);
  });

  test("a dead node's dump job, restored by another node with -C (no storage.conf there), comes back as the dump file", async () => {
    const data = path.join(root, 'dead-data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'app.conf'), 'x = 1\n');
    const source = path.join(root, 'dead-db.source');
    const content = new SeededRandom('dead-db').bytes(2_500_000);
    fs.writeFileSync(source, content);
    const dumps = path.join(root, 'dead-dumps');
    const storage = path.join(root, 'dead-storage.conf');
    fs.writeFileSync(storage, [`dump_directory = ${dumps}`, `dump = appdb: cat ${source} > {fifo}`].join('\n') + '\n');
    const deadConf = writeNodeConf(path.join(root, 'dead'), server, {
      cname: 'dead',
      cert: pki.client('dead'),
      include: [data],
      extra: [`storage_conf = ${storage}`],
    });
    const b = await runCli(['-c', deadConf, '-e']);
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    expect(fs.readdirSync(dumps)).toEqual([]); // the FIFO is gone after the backup

    // The node is dead; another one, named in its restore_client, takes its data.
    const rescueConf = writeNodeConf(path.join(root, 'rescue'), server, { cname: 'rescue', cert: pki.client('rescue'), include: [] });
    const to = path.join(root, 'rescued');
    const r = await runCli(['-c', rescueConf, '-i', '-C', 'dead', '--to', to]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const file = path.join(to, dumps, 'appdb.dump');
    expect(fs.lstatSync(file).isFile()).toBe(true);
    expect(fs.readFileSync(file).equals(content)).toBe(true);

    // To the original paths as well.
    const plain = await runCli(['-c', rescueConf, '-i', '-C', 'dead', '--prefix', dumps]);
    expect(plain.stderr).toBe('');
    expect(plain.code).toBe(0);
    expect(fs.lstatSync(path.join(dumps, 'appdb.dump')).isFile()).toBe(true);
    expect(fs.readFileSync(path.join(dumps, 'appdb.dump')).equals(content)).toBe(true);
  });

  test('an encrypted node: the FIFO content comes back as a file, the unread FIFO as a FIFO', async () => {
    const d = fifoData('enc-data');
    const conf = writeNodeConf(root, server, {
      cname: 'enc',
      cert: pki.client('enc'),
      include: [d.data],
      extra: [
        `read_fifo = ${d.dump}`,
        'fifo_timeout = 30',
        'encryption = 1',
        `encryption_key_file = ${path.join(root, 'enc.key')}`,
        `encryption_password = ${PASSPHRASE}`,
      ],
    });
    expect((await runCli(['-c', conf, '--init-key'])).code).toBe(0);
    const b = await runCli(['-c', conf, '-e', '--json']);
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    expect(await d.writer).toBe(0);
    const num = String(JSON.parse(b.stdout).backup.number);
    const dumpMode = fs.lstatSync(d.dump).mode & 0o7777;

    const to = path.join(root, 'enc-to');
    const r = await runCli(['-c', conf, '-i', num, '--to', to]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expectRestored(to, d, dumpMode);

    fs.rmSync(d.data, { recursive: true });
    const plain = await runCli(['-c', conf, '-i', num, '--prefix', d.data]);
    expect(plain.stderr).toBe('');
    expect(plain.code).toBe(0);
    expectRestored('/', d, dumpMode);
  });
});
