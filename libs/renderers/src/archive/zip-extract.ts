import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as yauzl from 'yauzl';
import { SceneError } from '../renderer';

/** How much a scene archive may hold. Both limits are enforced on the real bytes, not on the headers. */
export interface ZipLimits {
  /** Entries in the archive, directories included. */
  maxEntries: number;
  /** Bytes of all files once extracted. */
  maxTotalBytes: number;
}

export const DEFAULT_ZIP_LIMITS: Readonly<ZipLimits> = Object.freeze({ maxEntries: 10_000, maxTotalBytes: 4 * 1024 ** 3 });

export interface ExtractOptions {
  limits?: Partial<ZipLimits>;
  /**
   * Called with every file path (relative, `/`-separated) after the archive was checked and before anything
   * is written: throw SceneError to refuse it (e.g. "exactly one .blend expected").
   */
  check?: (files: string[]) => void;
}

interface PlannedEntry {
  entry: yauzl.Entry;
  path: string;
  directory: boolean;
}

const MAX_NAME_BYTES = 1024;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const MADE_BY_UNIX = 3;

/**
 * Extracts a scene archive into `targetDir`, which must not exist yet, and returns the files it holds.
 *
 * Everything is checked from the central directory before a byte is written: entry count, paths (no `..`,
 * no absolute paths, no empty or `.` segments, no duplicates), types (files and directories only: no symlinks, no
 * devices), encryption and compression method, and the declared sizes against the limit. Then the entries
 * are inflated into a sibling temporary directory while their real sizes are counted: an entry that inflates
 * past its declared size or past the total limit stops the extraction (a zip bomb with lying headers). The
 * temporary directory becomes `targetDir` by one rename only when everything succeeded, so a refused
 * archive leaves nothing behind. Every refusal is a SceneError that says what was wrong.
 */
export async function extractZip(zipPath: string, targetDir: string, options: ExtractOptions = {}): Promise<string[]> {
  const limits = { ...DEFAULT_ZIP_LIMITS, ...options.limits };
  const zip = await openZip(zipPath);
  try {
    const planned = await planEntries(zip, limits);
    const files = planned.filter((p) => !p.directory).map((p) => p.path);
    options.check?.(files);
    const partial = `${targetDir}.partial-${randomBytes(6).toString('hex')}`;
    try {
      await writeEntries(zip, planned, partial, limits);
      await rename(partial, targetDir);
    } finally {
      await rm(partial, { recursive: true, force: true });
    }
    return files;
  } finally {
    zip.close();
  }
}

function openZip(zipPath: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true }, (error, zip) =>
      error ? reject(new SceneError(`not a readable zip archive: ${error.message}`)) : resolve(zip),
    );
  });
}

/** Reads the central directory and checks every entry; nothing is written here. */
async function planEntries(zip: yauzl.ZipFile, limits: ZipLimits): Promise<PlannedEntry[]> {
  if (zip.entryCount > limits.maxEntries) {
    throw new SceneError(`zip archive has ${zip.entryCount} entries; the limit is ${limits.maxEntries}`);
  }
  const planned: PlannedEntry[] = [];
  const seen = new Set<string>();
  let declared = 0;
  for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
    const item = checkEntry(entry);
    if (seen.has(item.path)) throw new SceneError(`zip entry "${entry.fileName}" appears twice`);
    seen.add(item.path);
    declared += entry.uncompressedSize;
    if (declared > limits.maxTotalBytes) {
      throw new SceneError(`zip archive declares more than ${limits.maxTotalBytes} bytes once extracted; that is the limit`);
    }
    planned.push(item);
  }
  checkConflicts(planned);
  return planned;
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      zip.removeListener('entry', onEntry);
      zip.removeListener('end', onEnd);
      zip.removeListener('error', onError);
    };
    const onEntry = (entry: yauzl.Entry): void => (cleanup(), resolve(entry));
    const onEnd = (): void => (cleanup(), resolve(null));
    const onError = (error: Error): void => (cleanup(), reject(entryError(error)));
    zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
    zip.readEntry();
  });
}

/**
 * yauzl checks names before it hands out an entry; its reasons become ours, with the entry's name. (It reads
 * backslashes as the separators Windows tools meant, so `..\x` is caught as `../x`.)
 */
function entryError(error: Error): SceneError {
  const reasons: [RegExp, (name: string) => string][] = [
    [/^absolute path: (.*)$/s, (name) => `zip entry "${name}" has an absolute path`],
    [/^invalid relative path: (.*)$/s, (name) => `zip entry "${name}" points outside the scene directory ("..")`],
  ];
  for (const [pattern, message] of reasons) {
    const match = pattern.exec(error.message);
    if (match) return new SceneError(message(match[1]));
  }
  return new SceneError(`zip archive is corrupt or unsupported: ${error.message}`);
}

function checkEntry(entry: yauzl.Entry): PlannedEntry {
  const name = entry.fileName;
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw new SceneError(`zip entry name is longer than ${MAX_NAME_BYTES} bytes: "${name.slice(0, 80)}..."`);
  if (name.includes('\0')) throw new SceneError(`zip entry "${name.replace(/\0/g, '\\0')}" contains a NUL character`);
  const directory = name.endsWith('/');
  const segments = name.split('/').slice(0, directory ? -1 : undefined);
  // yauzl refuses `..` and leading slashes; empty and `.` segments are refused here so one path has one spelling.
  if (segments.length === 0 || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new SceneError(`zip entry "${name}" is not a plain relative path`);
  }
  const type = entryType(entry, directory);
  if (type === 'symlink') throw new SceneError(`zip entry "${name}" is a symbolic link; links are not allowed in a scene`);
  if (type === 'other') throw new SceneError(`zip entry "${name}" is not a regular file or directory`);
  if (entry.isEncrypted()) throw new SceneError(`zip entry "${name}" is encrypted`);
  if (!directory && !entry.canDecodeFileData()) {
    throw new SceneError(`zip entry "${name}" uses compression method ${entry.compressionMethod}; only stored and deflate are supported`);
  }
  return { entry, path: posix.normalize(segments.join('/')), directory: type === 'directory' };
}

/** The type from the Unix mode that zip tools store in the high half of the external attributes. */
function entryType(entry: yauzl.Entry, directory: boolean): 'file' | 'directory' | 'symlink' | 'other' {
  const mode = entry.versionMadeBy >> 8 === MADE_BY_UNIX ? (entry.externalFileAttributes >>> 16) & S_IFMT : 0;
  if (mode === S_IFLNK) return 'symlink';
  if (mode === 0) return directory ? 'directory' : 'file';
  if (mode === S_IFDIR) return 'directory';
  if (mode === S_IFREG && !directory) return 'file';
  return 'other';
}

/** A file whose path is also a directory of another entry cannot be extracted faithfully: refuse it. */
function checkConflicts(planned: PlannedEntry[]): void {
  const files = new Set(planned.filter((p) => !p.directory).map((p) => p.path));
  for (const item of planned) {
    const parts = item.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (files.has(parent)) throw new SceneError(`zip entry "${item.path}" lies inside "${parent}", which is a file`);
    }
    if (item.directory && files.has(item.path)) throw new SceneError(`zip holds "${item.path}" both as a file and as a directory`);
  }
}

async function writeEntries(zip: yauzl.ZipFile, planned: PlannedEntry[], root: string, limits: ZipLimits): Promise<void> {
  await mkdir(root, { recursive: false, mode: 0o755 });
  let total = 0;
  for (const { entry, path, directory } of planned) {
    const target = join(root, ...path.split('/'));
    if (directory) {
      await mkdir(target, { recursive: true, mode: 0o755 });
      continue;
    }
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        total += chunk.length;
        if (total > limits.maxTotalBytes) {
          return callback(new SceneError(`zip archive inflates to more than ${limits.maxTotalBytes} bytes (stopped in "${path}"); that is the limit`));
        }
        callback(null, chunk);
      },
    });
    try {
      // `wx`: the directory is new and ours, so an existing file here would mean two entries for one path.
      await pipeline(await openEntry(zip, entry), meter, createWriteStream(target, { flags: 'wx', mode: 0o644 }));
    } catch (error) {
      throw inflateError(error, path, entry);
    }
  }
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream))));
}

function inflateError(error: unknown, path: string, entry: yauzl.Entry): Error {
  if (error instanceof SceneError) return error;
  const message = (error as Error).message ?? String(error);
  if (/too many bytes in the stream/.test(message)) {
    return new SceneError(`zip entry "${path}" inflates to more than the ${entry.uncompressedSize} bytes its header declares (a zip bomb?)`);
  }
  if (/not enough bytes in the stream/.test(message)) {
    return new SceneError(`zip entry "${path}" inflates to fewer than the ${entry.uncompressedSize} bytes its header declares`);
  }
  if ((error as NodeJS.ErrnoException).code === undefined || /invalid|incorrect|unexpected|corrupt/i.test(message)) {
    return new SceneError(`zip entry "${path}" is corrupt: ${message}`);
  }
  return error as Error;
}
