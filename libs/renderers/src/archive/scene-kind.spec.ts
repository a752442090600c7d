import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describeSceneKind, sceneKindOf } from './scene-kind';
import { buildZip } from './zip-writer';

/** A .blend's first bytes: `BLENDER`, 64-bit pointers, little-endian, version 3.04, then a block. */
const BLEND_HEAD = Buffer.concat([Buffer.from('BLENDER-v304REND'), Buffer.alloc(200, 7)]);

/** A zstd frame holding `data` in one raw (stored) block; enough for a real decoder. */
function zstdRawFrame(data: Buffer): Buffer {
  const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58]);
  const block = 1 | (0 << 1) | (data.length << 3);
  return Buffer.concat([header, Buffer.from([block & 0xff, (block >> 8) & 0xff, (block >> 16) & 0xff]), data]);
}

describe(sceneKindOf.name, () => {
  it('recognises a .blend by its header', () => {
    expect(sceneKindOf(BLEND_HEAD)).toBe('blend');
    expect(sceneKindOf(Buffer.from('BLENDER_V279'))).toBe('blend');
    expect(sceneKindOf(Buffer.from('BLENDER?v304'))).toBe('text');
  });

  it('recognises gzip- and zstd-compressed .blend files by decompressing their start', () => {
    expect(sceneKindOf(gzipSync(BLEND_HEAD))).toBe('blend-gzip');
    // Only the start of the stream is there, as when the first 64 KiB of a large file are read.
    const large = gzipSync(Buffer.concat([BLEND_HEAD, randomBytes(500_000)]));
    expect(large.length).toBeGreaterThan(100_000);
    expect(sceneKindOf(large.subarray(0, 64 * 1024))).toBe('blend-gzip');
    expect(sceneKindOf(zstdRawFrame(BLEND_HEAD))).toBe('blend-zstd');
    expect(sceneKindOf(gzipSync(Buffer.from('hello world, not a blend')))).toBe('unknown');
    expect(sceneKindOf(zstdRawFrame(Buffer.from('hello world, not a blend')))).toBe('unknown');
    expect(sceneKindOf(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xff, 0xff, 0xff]))).toBe('unknown');
  });

  it('recognises zip archives, text and everything else', () => {
    expect(sceneKindOf(buildZip([{ name: 'a.pov', data: 'x' }]))).toBe('zip');
    expect(sceneKindOf(buildZip([]))).toBe('zip');
    expect(sceneKindOf(Buffer.from('#version 3.7;\r\n\tsphere { 0, 1 } // café\n'))).toBe('text');
    expect(sceneKindOf(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]))).toBe('unknown');
    expect(sceneKindOf(Buffer.alloc(0))).toBe('unknown');
  });

  it('describes each kind for error messages', () => {
    expect(describeSceneKind('blend-zstd')).toBe('a zstd-compressed .blend file');
    expect(describeSceneKind('unknown')).toBe('a file of unknown type');
  });
});
