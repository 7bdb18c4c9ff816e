import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The compiled script of a worker thread, `name` relative to a package's
 * src/ or dist/ directory (`dir`, the caller's own). Worker threads run
 * JavaScript, so code loaded from the TypeScript sources (tests under
 * ts-jest) uses the build's copy in dist/ (make build runs before make test).
 */
export function workerScript(dir: string, name: string): string {
  const beside = path.join(dir, `${name}.js`);
  if (fs.existsSync(beside)) return beside;
  return path.join(dir, '..', 'dist', `${name}.js`);
}
