import { open } from 'node:fs/promises';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';

/**
 * What a scene file is, judged by its bytes and never by its name: workers keep scenes under their SHA-256,
 * and an upload's name is whatever the artist typed.
 *
 * - `blend`: a .blend (`BLENDER` then a pointer-size and endianness marker);
 * - `blend-gzip`, `blend-zstd`: a compressed .blend (gzip before Blender 3.0, zstd since), recognised by
 *   decompressing only the first block and finding the same header;
 * - `zip`: a zip archive (local file header or, for an empty archive, end of central directory);
 * - `text`: no NUL bytes and no control characters besides tab, line feed, form feed and carriage return in
 *   the first 64 KiB, which is what a .pov (or any scene language) is;
 * - `unknown`: anything else.
 */
export type SceneKind = 'blend' | 'blend-gzip' | 'blend-zstd' | 'zip' | 'text' | 'unknown';

const SNIFF_BYTES = 64 * 1024;
const BLEND_MAGIC = Buffer.from('BLENDER');
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const ZIP_MAGICS = [Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('PK\x05\x06', 'latin1')];

export async function detectSceneKind(path: string): Promise<SceneKind> {
  return sceneKindOf(await readHead(path, SNIFF_BYTES));
}

/** The kind of a scene from its first bytes (up to 64 KiB are enough for every kind). */
export function sceneKindOf(head: Buffer): SceneKind {
  if (isBlendHeader(head)) return 'blend';
  if (ZIP_MAGICS.some((magic) => startsWith(head, magic))) return 'zip';
  if (startsWith(head, GZIP_MAGIC)) return isBlendHeader(gunzipHead(head)) ? 'blend-gzip' : 'unknown';
  if (startsWith(head, ZSTD_MAGIC)) return isBlendHeader(unzstdHead(head)) ? 'blend-zstd' : 'unknown';
  return isText(head) ? 'text' : 'unknown';
}

export function isBlendKind(kind: SceneKind): boolean {
  return kind === 'blend' || kind === 'blend-gzip' || kind === 'blend-zstd';
}

/** A few words for error messages: what the file looked like instead. */
export function describeSceneKind(kind: SceneKind): string {
  switch (kind) {
    case 'blend':
      return 'a .blend file';
    case 'blend-gzip':
      return 'a gzip-compressed .blend file';
    case 'blend-zstd':
      return 'a zstd-compressed .blend file';
    case 'zip':
      return 'a zip archive';
    case 'text':
      return 'a text file';
    case 'unknown':
      return 'a file of unknown type';
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/** `BLENDER`, then `_` or `-` (32/64-bit pointers), then `v` or `V` (endianness), then a version number. */
function isBlendHeader(bytes: Uint8Array): boolean {
  if (bytes.length < 12 || !startsWith(bytes, BLEND_MAGIC)) return false;
  const pointer = bytes[7];
  const endian = bytes[8];
  return (pointer === 0x5f || pointer === 0x2d) && (endian === 0x76 || endian === 0x56);
}

/** Decompresses as much of a gzip stream as the head holds; a truncated stream is expected, not an error. */
function gunzipHead(head: Buffer): Buffer {
  try {
    return gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch {
    return Buffer.alloc(0);
  }
}

/** The first bytes a zstd stream decompresses to, fed in small pieces so that only the first block is decoded. */
function unzstdHead(head: Buffer): Uint8Array {
  const out: Uint8Array[] = [];
  let length = 0;
  const decoder = new ZstdDecompress((chunk) => {
    out.push(chunk);
    length += chunk.length;
  });
  try {
    for (let offset = 0; offset < head.length && length < 16; offset += 4096) {
      decoder.push(head.subarray(offset, offset + 4096));
    }
  } catch {
    // A corrupt or truncated stream: whatever decoded so far is all we can judge by.
  }
  return Buffer.concat(out);
}

function isText(head: Buffer): boolean {
  if (head.length === 0) return false;
  for (const byte of head) {
    if (byte >= 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0c || byte === 0x0d) continue;
    return false;
  }
  return true;
}

function startsWith(bytes: Uint8Array, magic: Uint8Array): boolean {
  if (bytes.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic[i]) return false;
  return true;
}

async function readHead(path: string, bytes: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await file.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}
