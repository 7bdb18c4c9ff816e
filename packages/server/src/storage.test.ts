import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { S3CredentialsFile } from './storage';

describe('s3_credentials_file', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-creds-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('one its group or others may read is said, with the mode and what to do; a private one is not', () => {
    const file = path.join(dir, 's3.credentials');
    fs.writeFileSync(file, 'access_key_id = AKIA\nsecret_access_key = very-secret\n', { mode: 0o600 });
    const creds = new S3CredentialsFile(file);
    expect(creds.exposure()).toBeUndefined();
    for (const mode of [0o644, 0o640, 0o604]) {
      fs.chmodSync(file, mode);
      const why = creds.exposure();
      expect(why).toBe(
        `s3_credentials_file ${file} may be read by its group or by others (mode 0${mode.toString(8)}): the bucket's key is in it; chmod 600 it (owned by the daemon's user)`,
      );
      expect(why).not.toContain('very-secret');
    }
  });
});
