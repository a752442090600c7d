import { createHash } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PayloadTooLargeError } from '../api.errors';

/** Bytes read from the spool file at a time when it is followed. */
const FOLLOW_CHUNK_BYTES = 1024 * 1024;

export interface Spool {
  /** Once the whole body is on disk: its SHA-256 (hex) and size. Rejects as receiving failed (too large, aborted). */
  received: Promise<{ sha256: string; size: number }>;
  /**
   * The file's bytes as they land on disk, ending with the last one; errors when receiving fails. Storing the
   * upload from this stream overlaps the store with receiving and with the renderer's check of the file,
   * where storing after the check made an upload take receive + check + store.
   */
  follow(): Readable;
}

/**
 * Takes an upload's body once: into `path` (never whole in memory), hashed on the way, stopping with
 * PayloadTooLargeError past `limit` bytes.
 */
export function spool(body: Readable, path: string, limit: number): Spool {
  const progress = { opened: false, bytes: 0, done: false, error: undefined as unknown, changed: new EventEmitter() };
  const moved = () => progress.changed.emit('moved');
  const hash = createHash('sha256');
  let seen = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) return callback(new PayloadTooLargeError(`scene is larger than the limit of ${limit} bytes`));
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  let file: FileHandle | undefined;
  const sink = new Writable({
    construct(callback) {
      open(path, 'w').then((handle) => {
        file = handle;
        progress.opened = true;
        moved();
        callback();
      }, callback);
    },
    write(chunk: Buffer, _encoding, callback) {
      writeAll(file as FileHandle, chunk).then(() => {
        progress.bytes += chunk.length;
        moved();
        callback();
      }, callback);
    },
    final(callback) {
      (file as FileHandle).close().then(() => callback(), callback);
    },
    destroy(error, callback) {
      (file?.close() ?? Promise.resolve()).then(() => callback(error), () => callback(error));
    },
  });
  const received = pipeline(body, meter, sink).then(
    () => {
      progress.done = true;
      moved();
      return { sha256: hash.digest('hex'), size: progress.bytes };
    },
    (error: unknown) => {
      progress.error = error;
      moved();
      throw error;
    },
  );
  // Observed here so that a failure no one awaits yet is not unhandled; callers still see it through `received`.
  received.catch(() => undefined);

  async function* follow(): AsyncGenerator<Buffer> {
    while (!progress.opened) {
      if (progress.error !== undefined) throw progress.error;
      await once(progress.changed, 'moved');
    }
    const reader = await open(path, 'r');
    try {
      let position = 0;
      for (;;) {
        if (progress.error !== undefined) throw progress.error;
        if (position < progress.bytes) {
          const length = Math.min(FOLLOW_CHUNK_BYTES, progress.bytes - position);
          const { bytesRead, buffer } = await reader.read(Buffer.allocUnsafe(length), 0, length, position);
          if (bytesRead === 0) throw new Error(`spool file ${path} ends at ${position} bytes, short of the ${progress.bytes} written`);
          position += bytesRead;
          yield buffer.subarray(0, bytesRead);
          continue;
        }
        if (progress.done) return;
        await once(progress.changed, 'moved');
      }
    } finally {
      await reader.close();
    }
  }

  return { received, follow: () => Readable.from(follow(), { objectMode: false }) };
}

/** A write may take only part of a buffer: write the rest until all of it is in the file. */
async function writeAll(file: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) offset += (await file.write(chunk, offset, chunk.length - offset)).bytesWritten;
}
