import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SceneError } from '../renderer';
import { findMainFile } from './scene-workspace';
import { extractZip } from './zip-extract';
import { buildZip, type ZipEntrySpec } from './zip-writer';

describe(extractZip.name, () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-zip-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function zip(entries: ZipEntrySpec[]): string {
    const path = join(dir, 'scene.zip');
    writeFileSync(path, buildZip(entries));
    return path;
  }

  async function refused(entries: ZipEntrySpec[], limits = {}): Promise<string> {
    const error = await extractZip(zip(entries), join(dir, 'out'), { limits }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SceneError);
    // Nothing was written: no target, no temporary directory, nothing next to the archive.
    expect(readdirSync(dir)).toEqual(['scene.zip']);
    return (error as Error).message;
  }

  it('extracts files and directories and lists the files', async () => {
    const files = await extractZip(
      zip([
        { name: 'textures/' },
        { name: 'textures/wood.png', data: 'png bytes' },
        { name: 'scene.blend', data: 'BLENDER-v304', method: 'store' },
        { name: 'deep/a/b/c.txt', data: 'c' },
      ]),
      join(dir, 'out'),
    );
    expect(files).toEqual(['textures/wood.png', 'scene.blend', 'deep/a/b/c.txt']);
    expect(readFileSync(join(dir, 'out', 'textures', 'wood.png'), 'utf8')).toBe('png bytes');
    expect(readFileSync(join(dir, 'out', 'deep', 'a', 'b', 'c.txt'), 'utf8')).toBe('c');
    expect(readdirSync(dir).sort()).toEqual(['out', 'scene.zip']);
  });

  it('refuses an entry that climbs out with ../', async () => {
    expect(await refused([{ name: 'ok.txt', data: 'x' }, { name: '../evil.txt', data: 'x' }])).toBe(
      'zip entry "../evil.txt" points outside the scene directory ("..")',
    );
    expect(await refused([{ name: 'textures/../../evil.txt', data: 'x' }])).toMatch(/points outside the scene directory/);
  });

  it('refuses absolute paths, backslashes and odd spellings', async () => {
    expect(await refused([{ name: '/tmp/evil.txt', data: 'x' }])).toBe('zip entry "/tmp/evil.txt" has an absolute path');
    expect(await refused([{ name: 'C:/evil.txt', data: 'x' }])).toBe('zip entry "C:/evil.txt" has an absolute path');
    // Backslashes are read as the separators Windows tools meant them to be, then judged like any path.
    expect(await refused([{ name: '..\\evil.txt', data: 'x' }])).toBe('zip entry "../evil.txt" points outside the scene directory ("..")');
    expect(await refused([{ name: 'a//b.txt', data: 'x' }])).toBe('zip entry "a//b.txt" is not a plain relative path');
    expect(await refused([{ name: './a.txt', data: 'x' }])).toBe('zip entry "./a.txt" is not a plain relative path');
  });

  it('refuses symbolic links and special files', async () => {
    expect(await refused([{ name: 'link', data: '/etc/passwd', mode: 0o120777, method: 'store' }])).toBe(
      'zip entry "link" is a symbolic link; links are not allowed in a scene',
    );
    expect(await refused([{ name: 'fifo', data: '', mode: 0o010644 }])).toBe('zip entry "fifo" is not a regular file or directory');
  });

  it('refuses more entries than the limit before reading any', async () => {
    const entries = Array.from({ length: 6 }, (_, i) => ({ name: `f${i}.txt`, data: 'x' }));
    expect(await refused(entries, { maxEntries: 5 })).toBe('zip archive has 6 entries; the limit is 5');
  });

  it('refuses an archive whose headers declare more than the limit', async () => {
    expect(await refused([{ name: 'big.bin', data: 'x', declaredSize: 2_000_000 }], { maxTotalBytes: 1_000_000 })).toBe(
      'zip archive declares more than 1000000 bytes once extracted; that is the limit',
    );
  });

  it('stops a zip bomb whose headers lie while inflating it', async () => {
    // 64 MiB of zeros deflate to ~64 KiB; the header claims 100 bytes, well within the limit.
    const bomb = Buffer.alloc(64 * 1024 * 1024);
    const message = await refused([{ name: 'bomb.bin', data: bomb, declaredSize: 100 }], { maxTotalBytes: 1_000_000 });
    expect(message).toBe('zip entry "bomb.bin" inflates to more than the 100 bytes its header declares (a zip bomb?)');
  });

  it('refuses duplicate entries and a file used as a directory', async () => {
    expect(await refused([{ name: 'a.txt', data: '1' }, { name: 'a.txt', data: '2' }])).toBe('zip entry "a.txt" appears twice');
    expect(await refused([{ name: 'a', data: '1' }, { name: 'a/b.txt', data: '2' }])).toBe('zip entry "a/b.txt" lies inside "a", which is a file');
  });

  it('refuses what is not a zip archive', async () => {
    const path = join(dir, 'scene.zip');
    writeFileSync(path, 'PK\x03\x04 but nothing after it');
    await expect(extractZip(path, join(dir, 'out'))).rejects.toThrow(/^not a readable zip archive: /);
    expect(readdirSync(dir)).toEqual(['scene.zip']);
  });

  it('writes nothing when the check refuses the file list', async () => {
    const path = zip([{ name: 'a.blend', data: 'x' }, { name: 'b.blend', data: 'y' }]);
    await expect(extractZip(path, join(dir, 'out'), { check: (files) => findMainFile(files, 'blend') })).rejects.toThrow(
      new SceneError('zip must hold exactly one .blend file; it holds 2 (a.blend, b.blend)'),
    );
    expect(readdirSync(dir)).toEqual(['scene.zip']);
  });
});

describe(findMainFile.name, () => {
  it('finds the one .blend anywhere in the archive', () => {
    expect(findMainFile(['shots/s1.blend', 'tex/a.png', 'shots/s1.blend1'], 'blend')).toBe('shots/s1.blend');
    expect(() => findMainFile(['tex/a.png'], 'blend')).toThrow(new SceneError('zip must hold exactly one .blend file; it holds none'));
  });

  it('finds the one top-level .pov, also inside a single enclosing folder', () => {
    expect(findMainFile(['scene.pov', 'inc/other.pov', 'inc/colors.inc'], 'pov')).toBe('scene.pov');
    expect(findMainFile(['proj/scene.pov', 'proj/inc/x.pov'], 'pov')).toBe('proj/scene.pov');
    expect(() => findMainFile(['a.pov', 'b.pov'], 'pov')).toThrow(
      new SceneError('zip must hold exactly one .pov file at the top level of the zip; it holds 2 (a.pov, b.pov)'),
    );
    expect(() => findMainFile(['proj/inc/x.pov'], 'pov')).toThrow(/at the top level of the zip \(its folder "proj"\); it holds none/);
  });
});
