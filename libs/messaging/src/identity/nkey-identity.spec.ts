import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDirSync, type TempDir } from '@tessera/testing';
import { ensureIdentityFile, IdentityFileError, readIdentityFile } from './nkey-identity';

describe(ensureIdentityFile.name, () => {
  let dir: TempDir;
  beforeEach(() => (dir = tempDirSync('identity')));
  afterEach(() => dir.remove());

  it('creates a user NKey seed in a file only its owner can read, in a directory made for it', () => {
    const path = join(dir.path, 'state', 'identity.nk');
    const identity = ensureIdentityFile(path);
    expect(identity.created).toBe(true);
    expect(identity.publicKey).toMatch(/^U[A-Z2-7]{55}$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toMatch(/^SU[A-Z2-7]{56}\n$/);
  });

  it('never overwrites: a second run returns the identity already there', () => {
    const path = join(dir.path, 'identity.nk');
    const first = ensureIdentityFile(path);
    const before = readFileSync(path, 'utf8');
    const second = ensureIdentityFile(path);
    expect(second).toMatchObject({ created: false, publicKey: first.publicKey });
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('refuses an identity file others can read, naming the fix', () => {
    const path = join(dir.path, 'identity.nk');
    ensureIdentityFile(path);
    chmodSync(path, 0o644);
    expect(() => readIdentityFile(path)).toThrow(IdentityFileError);
    expect(() => ensureIdentityFile(path)).toThrow(`chmod 600 ${path}`);
  });

  it('refuses a file that does not hold a user seed', () => {
    const path = join(dir.path, 'identity.nk');
    writeFileSync(path, 'not a seed\n', { mode: 0o600 });
    expect(() => readIdentityFile(path)).toThrow(/does not hold an NKey seed/);
  });
});
