import * as fs from 'node:fs';
import { tempDir } from '@cpsbackup/testkit';
import { LocalDirectoryBackend } from './local-backend';
import { describeBackendConformance } from './test-support/backend-conformance';

describeBackendConformance('LocalDirectoryBackend', () => {
  const dir = tempDir('local-backend');
  const backend = new LocalDirectoryBackend(dir);
  return {
    backend,
    cleanup: () => {
      backend.closeReaders();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
