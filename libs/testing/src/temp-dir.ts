import { mkdtempSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  path: string;
  /** Deletes the directory and everything in it. Safe to call more than once. */
  remove(): Promise<void>;
}

/*
 * No exit hook removes forgotten directories: Jest gives tests a copy of `process` that never
 * emits 'exit', so such a hook would never run where these harnesses are used. Call remove() in
 * afterAll (or a finally); every start* harness removes its own directory in stop().
 */

/** A fresh, empty directory under the OS temp dir, named `tessera-<prefix>-<six random characters>`. */
export async function tempDir(prefix: string): Promise<TempDir> {
  return handle(await mkdtemp(join(tmpdir(), `tessera-${sanitize(prefix)}-`)));
}

/** Synchronous variant, for the rare place that cannot await (a module top level). */
export function tempDirSync(prefix: string): TempDir {
  return handle(mkdtempSync(join(tmpdir(), `tessera-${sanitize(prefix)}-`)));
}

function handle(path: string): TempDir {
  let removed: Promise<void> | undefined;
  return {
    path,
    remove() {
      removed ??= rm(path, { recursive: true, force: true, maxRetries: 3 });
      return removed;
    },
  };
}

function sanitize(prefix: string): string {
  return prefix.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 40) || 'tmp';
}
