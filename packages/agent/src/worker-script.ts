import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The compiled script of a worker thread. Worker threads run JavaScript,
 * so code loaded from the TypeScript sources (tests under ts-jest) uses the
 * build's copy in dist/ (make build runs before make test).
 */
export function workerScript(name: string): string {
  const beside = path.join(__dirname, `${name}.js`);
  if (fs.existsSync(beside)) return beside;
  return path.join(__dirname, '..', 'dist', `${name}.js`);
}
