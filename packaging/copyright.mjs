// Writes a package's copyright file on stdout: packaging/copyright.header (cpsbackup,
// MIT), then the bundled Node.js runtime's license and each bundled npm package's
// name, version, license and license text (from stage-modules.mjs's licenses.json),
// packages with the same text under it once. A license Debian ships in
// /usr/share/common-licenses (Apache-2.0, GPL) is named there instead of copied.
//   node packaging/copyright.mjs HEADER LICENSES.JSON NODE-BINARY
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';

const [header, licensesJson, nodeBin] = process.argv.slice(2);

// From a license's title to its end (END OF TERMS AND CONDITIONS, or the end of a
// package's license file, where a copy stops there).
const TO_END = '(?:[\\s\\S]{0,40000}?END OF TERMS AND CONDITIONS|[\\s\\S]*(?![\\s\\S]))';
const COMMON = [
  [new RegExp(`^[ \\t]*Apache License,?\\s*\\n[ \\t]*Version 2\\.0, January 2004${TO_END}`, 'gm'), () => 'Apache-2.0'],
  [new RegExp(`^[ \\t]*GNU GENERAL PUBLIC LICENSE\\s*\\n[ \\t]*Version ([23]),${TO_END}`, 'gm'), (v) => `GPL-${v}`],
  [new RegExp(`^[ \\t]*GNU LESSER GENERAL PUBLIC LICENSE\\s*\\n[ \\t]*Version 2\\.1,${TO_END}`, 'gm'), () => 'LGPL-2.1'],
];
function withCommonLicenses(text) {
  let out = text;
  for (const [pattern, name] of COMMON) {
    out = out.replace(pattern, (_m, v) => `[The full text of this license is in /usr/share/common-licenses/${name(v)}.]`);
  }
  return out;
}
const indent = (text) =>
  withCommonLicenses(text)
    .split('\n')
    .map((line) => (line.trim() === '' ? ' .' : ` ${line}`))
    .join('\n');

// node's LICENSE (V8, OpenSSL, ICU, libuv... inside): where Debian's nodejs and NodeSource's
// put it, or beside bin/ in a nodejs.org tarball.
const real = fs.realpathSync(nodeBin);
const nodeLicense = [
  path.join(path.dirname(real), '..', 'share', 'doc', 'nodejs', 'LICENSE'),
  path.join(path.dirname(real), '..', 'LICENSE'),
  '/usr/share/doc/nodejs/LICENSE',
].find((f) => fs.existsSync(f));
if (!nodeLicense) {
  console.error(`copyright.mjs: no LICENSE of Node.js beside ${real} nor in /usr/share/doc/nodejs: give the node of a Node.js install that has it (NODE=...)`);
  process.exit(2);
}
const nodeVersion = execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim();
const parts = [fs.readFileSync(header, 'utf8').trimEnd()];
parts.push(
  `Node.js ${nodeVersion} (the runtime, file "node")\n\nCopyright Node.js contributors and the authors of the projects it includes\n\n` +
    `License: MIT and others\n\n${indent(fs.readFileSync(nodeLicense, 'utf8').trimEnd())}`,
);
const byText = new Map();
for (const { name, version, license, text } of JSON.parse(fs.readFileSync(licensesJson, 'utf8'))) {
  const key = `${license}\n${text}`;
  if (!byText.has(key)) byText.set(key, { license, text, packages: [] });
  byText.get(key).packages.push(`${name} ${version}`);
}
for (const { license, text, packages } of byText.values()) {
  const names = packages.map((p) => ` ${p}`).join('\n');
  parts.push(`npm packages (in node_modules):\n${names}\n\nLicense: ${license}${text ? `\n\n${indent(text)}` : ''}`);
}
process.stdout.write(parts.join('\n\n' + '-'.repeat(72) + '\n\n') + '\n');
