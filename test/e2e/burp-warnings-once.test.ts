/**
 * A Burp key cpsbackup ignores is said once per command: by cpsbackup for
 * node.conf, by cpsbackupd for server.conf and the client files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, useServer, writeNodeConf } from '@cpsbackup/testkit/e2e';

const count = (text: string, part: string) => text.split(part).length - 1;

describe('Burp-key warnings, once per command', () => {
  const { root, pki, server } = useServer('burp-warnings-once', {
    conf: ['pidfile = /var/run/burp.server.pid'],
    clients: { once: ['pidfile = /var/run/burp.client.pid'] },
  });

  test('cpsbackup -e, -l: node.conf warning once each', async () => {
    const data = path.join(root, 'data');
    fs.mkdirSync(data, { recursive: true });
    fs.writeFileSync(path.join(data, 'f'), 'x\n');
    const conf = writeNodeConf(root, server, { cname: 'once', cert: pki.client('once'), include: [data], extra: ['lockfile = /var/run/burp.lock'] });
    const warning = 'lockfile is a Burp setting cpsbackup does not implement; ignored';
    for (const args of [['-e'], ['-l'], ['-e', '--json']]) {
      const r = await runCli(['-c', conf, ...args]);
      expect(r.code).toBe(0);
      expect({ args, times: count(r.stderr + r.stdout, warning) }).toEqual({ args, times: 1 });
      expect(count(r.stderr + r.stdout, 'pidfile')).toBe(0);
    }
  });

  test('cpsbackupd: server.conf and client-file warnings once in its log, not again at each prune (a reload of the client files); an edited file said again', async () => {
    const said = (part: string) => server.logLines().filter((l) => JSON.stringify(l).includes(part)).length;
    expect(said('server.conf:9: pidfile')).toBe(1);
    expect(said('clients/once:1: pidfile')).toBe(1);
    const pruned = await server.command(['prune']);
    expect(count(pruned.stdout + pruned.stderr, 'pidfile')).toBe(0);
    expect(said('server.conf:9: pidfile')).toBe(1);
    expect(said('clients/once:1: pidfile')).toBe(1);
    // An edit that moves the key is a new warning, said once.
    const file = path.join(server.confDir, 'clients', 'once');
    fs.writeFileSync(file, `# moved\n${fs.readFileSync(file, 'utf8')}`);
    const pruned2 = await server.command(['prune']);
    expect(pruned2.status).toBe(0);
    expect(said('clients/once:2: pidfile')).toBe(1);
    expect(said('clients/once:1: pidfile')).toBe(1);
  });
});
