import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir, tempDirSync } from './temp-dir';

describe(tempDir.name, () => {
  it('creates a fresh directory and removes it with its contents, once or twice', async () => {
    const dir = await tempDir('spec one/two');
    expect(dir.path).toMatch(/tessera-spec-one-two-/);
    await writeFile(join(dir.path, 'file'), 'x');

    await dir.remove();
    await dir.remove();

    expect(existsSync(dir.path)).toBe(false);
  });

  it('gives distinct directories for the same prefix', async () => {
    const a = await tempDir('same');
    const b = tempDirSync('same');
    try {
      expect(a.path).not.toBe(b.path);
    } finally {
      await a.remove();
      await b.remove();
    }
  });
});
