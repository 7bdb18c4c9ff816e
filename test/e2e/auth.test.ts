import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import forge from 'node-forge';
import { FramedConnection, PROTOCOL_VERSION } from '@cpsbackup/protocol';
import { createCa, issueCertificate } from '@cpsbackup/pki';
import { SeededRandom } from '@cpsbackup/testkit';
import { rawConnect, runCli, snapshotTree, writeNodeConf, useServer } from '@cpsbackup/testkit/e2e';

describe('authentication and isolation between clients', () => {
  const { root, pki, server } = useServer('auth', { clients: { alpha: [], beta: [], gamma: ['ssl_peer_cn = gamma-host'] } });

  function dataTree(name: string, bytes: number): string {
    const dir = path.join(root, name);
    fs.mkdirSync(dir, { recursive: true });
    const rnd = new SeededRandom(name);
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(dir, `f${i}`), rnd.bytes(bytes / 20));
    return dir;
  }

  test('wrong certificates are refused with a clear message while another client backs up unharmed', async () => {
    const betaData = dataTree('beta-data', 40_000_000);
    const betaConf = writeNodeConf(root, server, { cname: 'beta', cert: pki.client('beta'), include: [betaData] });
    const betaRun = runCli(['-c', betaConf, '-e', '--json']);

    // A certificate from another CA, with the right CN.
    const foreign = pki.write('alpha-foreign', issueCertificate(createCa('rogue CA'), 'alpha', 'client'));
    const foreignConf = writeNodeConf(path.join(root, 'foreign'), server, { cname: 'alpha', cert: foreign, include: [betaData] });
    const r1 = await runCli(['-c', foreignConf, '-l']);
    expect(r1.code).toBe(3);
    expect(r1.stderr).toMatch(/client certificate refused: it is not signed by this server's CA/);

    // A valid certificate whose CN does not match the client's ssl_peer_cn.
    const alphaCert = pki.client('alpha');
    const mismatchConf = writeNodeConf(path.join(root, 'mismatch'), server, { cname: 'gamma', cert: alphaCert, include: [betaData] });
    const r2 = await runCli(['-c', mismatchConf, '-l']);
    expect(r2.code).toBe(3);
    expect(r2.stderr).toMatch(/certificate CN "alpha" does not match ssl_peer_cn "gamma-host" of client "gamma"/);

    // A client name the server has no file for.
    const unknownConf = writeNodeConf(path.join(root, 'unknown'), server, { cname: 'delta', cert: pki.client('delta'), include: [betaData] });
    const r3 = await runCli(['-c', unknownConf, '-l']);
    expect(r3.code).toBe(3);
    expect(r3.stderr).toMatch(/unknown client "delta"/);
    expect(r3.stderr).not.toContain(server.confDir); // the server's paths are its operator's business

    // No certificate at all (a raw TLS client speaking the protocol).
    const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: server.port, ca: fs.readFileSync(pki.caFile), checkServerIdentity: () => undefined }, () => resolve(s));
      s.once('error', reject);
    });
    const conn = new FramedConnection(socket);
    await conn.send({ hello: { protocolVersion: PROTOCOL_VERSION, clientName: 'alpha' } });
    const answer = await conn.next();
    expect(answer.msg).toBe('error');
    expect(answer.error!.code).toBe('AUTH_NO_CERT');
    expect(answer.error!.message).toMatch(/no client certificate was presented/);
    conn.destroy();

    // Meanwhile beta's backup went through, and restores exactly.
    const beta = await betaRun;
    expect(beta.stderr).toBe('');
    expect(beta.code).toBe(0);
    const to = path.join(root, 'beta-restore');
    expect((await runCli(['-c', betaConf, '-i', '--to', to])).code).toBe(0);
    expect(snapshotTree(path.join(to, betaData))).toEqual(snapshotTree(betaData));
    const refusals = server
      .logLines()
      .filter((l) => l.msg === 'session refused')
      .map((l) => l.code);
    expect(refusals).toEqual(expect.arrayContaining(['AUTH_BAD_CERT', 'AUTH_CN_MISMATCH', 'AUTH_UNKNOWN_CLIENT', 'AUTH_NO_CERT']));
  });

  test("client A cannot list, restore or delete client B's backups", async () => {
    const betaData = dataTree('beta-own', 200_000);
    const betaConf = writeNodeConf(path.join(root, 'b2'), server, { cname: 'beta', cert: pki.client('beta'), include: [betaData] });
    expect((await runCli(['-c', betaConf, '-e'])).code).toBe(0);
    const betaList = JSON.parse((await runCli(['-c', betaConf, '-l', '--json'])).stdout).backups as Array<{ number: number }>;
    expect(betaList.length).toBeGreaterThanOrEqual(1);

    const alphaConf = writeNodeConf(path.join(root, 'a2'), server, { cname: 'alpha', cert: pki.client('alpha'), include: [dataTree('alpha-own', 10_000)] });
    const alphaList = await runCli(['-c', alphaConf, '-l', '--json']);
    expect(alphaList.code).toBe(0);
    expect(JSON.parse(alphaList.stdout).backups).toEqual([]);
    for (const b of betaList) {
      const restore = await runCli(['-c', alphaConf, '-i', String(b.number), '--to', path.join(root, 'stolen')]);
      expect(restore.code).toBe(6);
      expect(restore.stderr).toMatch(new RegExp(`client alpha has no backup ${b.number}`));
      const del = await runCli(['-c', alphaConf, '-d', String(b.number)]);
      expect(del.code).toBe(6);
      const show = await runCli(['-c', alphaConf, '-s', String(b.number)]);
      expect(show.code).toBe(6);
    }
    expect(fs.existsSync(path.join(root, 'stolen'))).toBe(false);
    // Alpha's certificate cannot pose as beta either.
    const posing = writeNodeConf(path.join(root, 'a3'), server, { cname: 'beta', cert: pki.client('alpha', 'alpha2'), include: [] });
    expect((await runCli(['-c', posing, '-l'])).code).toBe(3);
    // Beta's backups are all still there.
    expect(JSON.parse((await runCli(['-c', betaConf, '-l', '--json'])).stdout).backups).toEqual(betaList);
  });

  test('a CA:TRUE certificate our CA signed is no client, and cannot sign clients (the CA is made with pathLen 0)', async () => {
    const caCert = forge.pki.certificateFromPem(pki.ca.certPem);
    const caKey = forge.pki.privateKeyFromPem(pki.ca.keyPem);
    const make = (cn: string, isCa: boolean, issuer: forge.pki.Certificate, issuerKey: forge.pki.rsa.PrivateKey) => {
      const keys = forge.pki.rsa.generateKeyPair(2048);
      const cert = forge.pki.createCertificate();
      cert.publicKey = keys.publicKey;
      cert.serialNumber = '0' + Math.floor(Math.random() * 1e9).toString(16);
      cert.validity.notBefore = new Date(Date.now() - 60_000);
      cert.validity.notAfter = new Date(Date.now() + 86_400_000);
      cert.setSubject([{ name: 'commonName', value: cn }]);
      cert.setIssuer(issuer.subject.attributes);
      cert.setExtensions([
        { name: 'basicConstraints', cA: isCa, critical: true },
        { name: 'keyUsage', keyCertSign: isCa, digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', clientAuth: true },
      ]);
      cert.sign(issuerKey, forge.md.sha256.create());
      return { cert, key: keys.privateKey, pem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
    };
    expect(caCert.getExtension('basicConstraints')).toMatchObject({ cA: true, pathLenConstraint: 0 });
    const sub = make('alpha', true, caCert, caKey);
    const asClient = path.join(root, 'sub-ca.pem');
    fs.writeFileSync(asClient, sub.pem);
    fs.writeFileSync(path.join(root, 'sub-ca.key'), sub.keyPem, { mode: 0o600 });
    const direct = await runCli([
      '-c',
      writeNodeConf(path.join(root, 'subca'), server, { cname: 'alpha', cert: { cert: asClient, key: path.join(root, 'sub-ca.key') }, include: [] }),
      '-l',
    ]);
    expect(direct.code).toBe(3);
    expect(direct.stderr).toMatch(/it is a CA certificate \(basicConstraints CA:TRUE\), not a client one/);

    const rogue = make('rogue-sub-ca', true, caCert, caKey);
    const minted = make('alpha', false, rogue.cert, rogue.key);
    const chain = path.join(root, 'minted.pem');
    fs.writeFileSync(chain, minted.pem + rogue.pem);
    fs.writeFileSync(path.join(root, 'minted.key'), minted.keyPem, { mode: 0o600 });
    const viaSub = await runCli([
      '-c',
      writeNodeConf(path.join(root, 'minted'), server, { cname: 'alpha', cert: { cert: chain, key: path.join(root, 'minted.key') }, include: [] }),
      '-l',
    ]);
    expect(viaSub.code).toBe(3);
    expect(viaSub.stderr).toMatch(/client certificate refused: .*PATH_LENGTH_EXCEEDED/);
  });

  test.each([
    { version: PROTOCOL_VERSION - 1, advice: 'upgrade the agent' },
    { version: PROTOCOL_VERSION + 1, advice: "upgrade cpsbackupd to the agent's version" },
  ])('an agent speaking protocol $version is refused and told which side to upgrade', async ({ version, advice }) => {
    const { conn } = await rawConnect(server, pki.client('alpha'));
    try {
      await conn.send({ hello: { protocolVersion: version, clientName: 'alpha' } });
      const answer = await conn.next();
      expect(answer.error).toEqual(
        expect.objectContaining({
          code: 'VERSION',
          message: `protocol version ${version} is not supported (server speaks ${PROTOCOL_VERSION}); ${advice}`,
        }),
      );
    } finally {
      conn.destroy();
    }
  });
});
