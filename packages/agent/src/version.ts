import * as fs from 'node:fs';
import * as path from 'node:path';

/** This agent's version, from its package.json. */
export const AGENT_VERSION: string = (() => {
  try {
    return (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();
