// Writes a package's copyright file on stdout: packaging/copyright.header (cpsbackup,
// MIT), then the bundled Node.js runtime's license and each bundled npm package's
// name, version, license and license text (from stage-modules.mjs's licenses.json).
//   node packaging/copyright.mjs HEADER LICENSES.JSON NODE-BINARY
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';

const [header, licensesJson, nodeBin] = process.argv.slice(2);
const indent = (text) =>
  text
    .split('\n')
    .map((line) => (line.trim() === '' ? ' .' : ` ${line}`))
    .join('\n');

// Debian's nodejs and NodeSource's both put node's LICENSE here (V8, OpenSSL, ICU, libuv... inside).
const real = fs.realpathSync(nodeBin);
const nodeLicense = [path.join(path.dirname(real), '..', 'share', 'doc', 'nodejs', 'LICENSE'), '/usr/share/doc/nodejs/LICENSE'].find((f) => fs.existsSync(f));
if (!nodeLicense) {
  console.error(`copyright.mjs: no LICENSE of Node.js beside ${real} nor in /usr/share/doc/nodejs: install the nodejs package's documentation`);
  process.exit(2);
}
const nodeVersion = execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim();
const parts = [fs.readFileSync(header, 'utf8').trimEnd()];
parts.push(
  `Node.js ${nodeVersion} (the runtime, file "node")\n\nCopyright Node.js contributors and the authors of the projects it includes\n\nLicense: MIT and others\n\n${indent(fs.readFileSync(nodeLicense, 'utf8').trimEnd())}`,
);
for (const { name, version, license, text } of JSON.parse(fs.readFileSync(licensesJson, 'utf8'))) {
  parts.push(`npm package ${name} ${version} (node_modules/${name})\n\nLicense: ${license}${text ? `\n\n${indent(text)}` : ''}`);
}
process.stdout.write(parts.join('\n\n' + '-'.repeat(72) + '\n\n') + '\n');
