import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import parsePrometheus from 'parse-prometheus-text-format';
import type { StatusReport } from '@cpsbackup/server';
import { SeededRandom } from '@cpsbackup/testkit';
import { rawSession, readUntil, runCli, until, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

const ALERT_RULES = path.resolve(__dirname, '../../docs/cpsbackup-alerts.yml');

interface Family {
  name: string;
  type: string;
  metrics: Array<{ value: string; labels?: Record<string, string> }>;
}

/** The series of one family: client label (or '') → value. */
function series(text: string, name: string): Map<string, number> {
  const family = (parsePrometheus(text) as Family[]).find((f) => f.name === name);
  return new Map((family?.metrics ?? []).map((m) => [m.labels?.client ?? '', Number(m.value)]));
}

/**
 * The keys that occur more than once in one object of a JSON text (JSON.parse
 * keeps the last and says nothing; a strict log ingester rejects the line).
 */
function duplicateKeys(text: string): string[] {
  let i = 0;
  const dups: string[] = [];
  const space = () => {
    while (/\s/.test(text[i] ?? '')) i++;
  };
  const str = (): string => {
    const start = i;
    i++; // the opening quote
    while (text[i] !== '"') {
      if (i >= text.length) throw new Error(`unterminated string at ${start}`);
      i += text[i] === '\\' ? 2 : 1;
    }
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      space();
      while (text[i] !== '}') {
        space();
        const key = str();
        if (seen.has(key)) dups.push(key);
        seen.add(key);
        space();
        i++; // ':'
        value();
        space();
        if (text[i] === ',') i++;
        space();
      }
      i++;
    } else if (c === '[') {
      i++;
      space();
      while (text[i] !== ']') {
        value();
        space();
        if (text[i] === ',') i++;
        space();
      }
      i++;
    } else if (c === '"') str();
    else {
      const m = /^(-?[\d.eE+-]+|true|false|null)/.exec(text.slice(i));
      if (!m) throw new Error(`not JSON at ${i}: ${text.slice(i, i + 20)}`);
      i += m[0].length;
    }
  };
  value();
  return dups;
}

describe('metrics: what alert rules need, promtool, log lines', () => {
  // "kept" keeps one backup: its second one applies retention. "cut" drops its connection mid-backup. "never" is configured and never connects.
  const { root, pki, server } = useServer('metrics', {
    status: true,
    clients: {
      kept: ['keep = 1', 'notify_success_script = /bin/true'],
      cut: ['notify_failure_script = /bin/true'],
      never: ['expected_interval = 2h'],
    },
  });
  const scrape = async () => {
    const res = await fetch(`http://127.0.0.1:${server.statusPort}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  };

  test('the duplicate-key check finds a repeated key, at any depth', () => {
    expect(duplicateKeys('{"a":1,"b":{"c":[1,{"d":2,"d":3}],"e":"x\\"y"},"a":2}')).toEqual(['d', 'a']);
    expect(duplicateKeys('{"a":1,"b":"a"}')).toEqual([]);
  });

  test('every configured client has the series alerts need before it ever connected; no verify result before a verify', async () => {
    const text = await scrape();
    expect(series(text, 'cpsbackup_client_never_succeeded')).toEqual(
      new Map([
        ['cut', 1],
        ['kept', 1],
        ['never', 1],
      ]),
    );
    expect(series(text, 'cpsbackup_client_last_attempt_timestamp_seconds')).toEqual(
      new Map([
        ['cut', 0],
        ['kept', 0],
        ['never', 0],
      ]),
    );
    expect(series(text, 'cpsbackup_client_expected_interval_seconds').get('never')).toBe(7200);
    expect([...series(text, 'cpsbackup_client_enabled').values()]).toEqual([1, 1, 1]);
    expect(series(text, 'cpsbackup_client_last_success_timestamp_seconds').size).toBe(0);
    // Absent, not 1: a store never verified is not known to be sound.
    expect(text).not.toMatch(/^cpsbackup_verify_last_ok /m);
    expect(text).not.toMatch(/^cpsbackup_verify_last_bad_chunks /m);
    expect(series(text, 'cpsbackup_storage_wait_seconds').get('')).toBe(0);
  });

  test('after backups and a verify: the series move, promtool check metrics passes, the alert rules name only metrics that exist', async () => {
    const data = path.join(root, 'kept-data');
    fs.mkdirSync(data);
    const rnd = new SeededRandom('metrics');
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(data, `f${i}`), rnd.bytes(200_000));
    const conf = writeNodeConf(root, server, { cname: 'kept', cert: pki.client('kept'), include: [data] });
    const before = Date.now() / 1000;
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    fs.writeFileSync(path.join(data, 'f9'), rnd.bytes(1000));
    expect((await runCli(['-c', conf, '-e'])).code).toBe(0);
    await until('retention to delete the first backup', () => /"msg":"retention applied"/.test(server.log));
    expect((await runCli(['-c', conf, '-l'])).code).toBe(0);
    expect((await runCli(['-c', conf, '-i', '--to', path.join(root, 'restored')])).code).toBe(0);

    // A node gone mid-backup: its attempt counts, its backup failed.
    const cut = await rawSession(server, 'cut', pki.client('cut'));
    await cut.conn.send({ beginBackup: {} });
    expect((await readUntil(cut.conn, (m) => m.msg === 'backupStarted'))?.msg).toBe('backupStarted');
    cut.socket.destroy();
    await until('the server to see the node gone', () => /"client":"cut".*"msg":"backup aborted: connection lost"/.test(server.log));
    await until('the notify scripts of the three backups to run', () => server.log.match(/"msg":"notify script ran"/g)?.length === 3);

    process.kill(server.pid, 'SIGUSR1');
    await until('the verify to finish', () => /"msg":"verify: store is sound"/.test(server.log));

    // The report is cached for a second: read until it shows the backups.
    let text = await scrape();
    while (!series(text, 'cpsbackup_client_last_success_timestamp_seconds').has('kept')) {
      await new Promise((r) => setTimeout(r, 100));
      text = await scrape();
    }
    expect(series(text, 'cpsbackup_client_never_succeeded')).toEqual(
      new Map([
        ['cut', 1],
        ['kept', 0],
        ['never', 1],
      ]),
    );
    expect(series(text, 'cpsbackup_client_last_attempt_timestamp_seconds').get('cut')).toBeGreaterThanOrEqual(Math.floor(before));
    expect(series(text, 'cpsbackup_client_last_result_ok').get('cut')).toBe(0);
    const status = (await (await fetch(`http://127.0.0.1:${server.statusPort}/status`)).json()) as StatusReport;
    const attempt = (name: string) => status.clients.find((c) => c.name === name)!.lastAttemptAt;
    expect(Date.parse(attempt('cut')!) / 1000).toBe(series(text, 'cpsbackup_client_last_attempt_timestamp_seconds').get('cut'));
    expect(attempt('never')).toBeNull();
    expect(series(text, 'cpsbackup_client_last_attempt_timestamp_seconds').get('kept')).toBeGreaterThanOrEqual(Math.floor(before));
    expect(series(text, 'cpsbackup_client_last_attempt_timestamp_seconds').get('never')).toBe(0);
    expect(series(text, 'cpsbackup_client_last_result_ok').get('kept')).toBe(1);
    expect(series(text, 'cpsbackup_verify_last_ok').get('')).toBe(1);
    expect(series(text, 'cpsbackup_verify_last_bad_chunks').get('')).toBe(0);

    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: check.status, output: check.stdout + check.stderr }).toEqual({ status: 0, output: '' });

    const families = new Set((parsePrometheus(text) as Family[]).map((f) => f.name.replace(/_(bucket|sum|count)$/, '')));
    const named = new Set(fs.readFileSync(ALERT_RULES, 'utf8').match(/\bcpsbackup_[a-z_]+/g));
    expect(named.size).toBeGreaterThan(5);
    expect([...named].filter((n) => !families.has(n))).toEqual([]);
  });

  test('log lines: no line repeats a key; a committed backup says how long it took; a normal disconnect is debug', () => {
    const lines = server.log
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => ({ text: l, line: JSON.parse(l) as { level: number; msg: string; client?: string; seconds?: unknown } }));
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.filter((l) => duplicateKeys(l.text).length > 0).map((l) => l.text)).toEqual([]);

    const retention = lines.filter((l) => l.line.msg === 'retention applied');
    expect(retention).toHaveLength(1);
    expect(retention[0]!.line).toMatchObject({ client: 'kept', deleted: [1], kept: 1 });

    const committed = lines.filter((l) => l.line.msg === 'backup committed');
    expect(committed).toHaveLength(2);
    for (const c of committed) expect(c.line.seconds).toEqual(expect.any(Number));

    // Each CLI run is one session that ends by the node closing it: none of them is news at info.
    // The node gone mid-backup is (info, beside the warning that its backup was aborted).
    const ended = (client: string) => lines.filter((l) => l.line.msg === 'connection ended' && l.line.client === client).map((l) => l.line.level);
    expect(ended('kept')).toEqual([20, 20, 20, 20]);
    expect(ended('cut')).toEqual([30]);
  });

  test('after a restart: attempts and successes are read from the catalog; no verify result until one runs again', async () => {
    const attemptsBefore = series(await scrape(), 'cpsbackup_client_last_attempt_timestamp_seconds');
    await server.stop();
    await server.start();
    const text = await scrape();
    const attempts = series(text, 'cpsbackup_client_last_attempt_timestamp_seconds');
    // The catalog dates a backup from when the server began it: the moment the node asked, or just after.
    for (const client of ['kept', 'cut']) expect(attempts.get(client)).toBeGreaterThanOrEqual(attemptsBefore.get(client)!);
    expect(attempts.get('never')).toBe(0);
    expect(series(text, 'cpsbackup_client_never_succeeded')).toEqual(
      new Map([
        ['cut', 1],
        ['kept', 0],
        ['never', 1],
      ]),
    );
    expect(text).not.toMatch(/^cpsbackup_verify_last_ok /m);
  });
});
