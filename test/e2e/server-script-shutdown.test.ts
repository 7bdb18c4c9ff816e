import * as fs from 'node:fs';
import * as path from 'node:path';
import { processEnded, requireBuild, runCli, tempDir, TestPki, TestServer, until, writeNodeConf } from '@cpsbackup/testkit/e2e';

/**
 * cpsbackupd stopped (SIGTERM, as systemctl stop or restart does) while a
 * server script runs: it shuts down as it does without one (the sessions
 * given shutdown_grace, the store closed, "stopped" logged, exit 0), and
 * the script does not outlive it. Before, the script runner took the
 * signal for one nobody handled and raised it again: the daemon died of
 * it mid-shutdown.
 */
describe('a server script running when cpsbackupd is stopped', () => {
  test('SIGTERM: a clean shutdown (exit 0, "stopped"), the script ended with it', async () => {
    requireBuild();
    const root = tempDir('srvscript-stop');
    const pki = new TestPki(path.join(root, 'pki'));
    const scripts = path.join(root, 'scripts');
    fs.mkdirSync(scripts, { recursive: true });
    const pidFile = path.join(scripts, 'script.pid');
    const hang = path.join(scripts, 'hang.sh');
    fs.writeFileSync(hang, `#!/bin/sh\necho $$ > ${pidFile}.tmp && mv ${pidFile}.tmp ${pidFile}\nexec sleep 100000\n`, { mode: 0o755 });
    const server = new TestServer(root, pki, ['shutdown_grace = 5']);
    server.addClient('n1', [`server_script_pre = ${hang}`, 'server_script_timeout = 1h']);
    const data = path.join(root, 'data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'f'), 'x');
    try {
      await server.start();
      const conf = writeNodeConf(path.join(root, 'n1'), server, { cname: 'n1', cert: pki.client('n1'), include: [data] });
      const backup = runCli(['-c', conf, '-e']);
      await until('the server script to run', () => fs.existsSync(pidFile));
      const scriptPid = Number(fs.readFileSync(pidFile, 'utf8'));
      expect(await server.stop('SIGTERM')).toBe(0);
      expect(server.log).toMatch(/"msg":"stopped"/);
      await processEnded(scriptPid);
      const r = await backup;
      expect(r.code).not.toBe(0);
    } finally {
      await server.stop('SIGKILL');
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
