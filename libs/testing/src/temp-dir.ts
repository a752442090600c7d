import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onProcessExit } from './exit-cleanup';

export interface TempDir {
  path: string;
  /** Deletes the directory and everything in it. Safe to call more than once. */
  remove(): Promise<void>;
}

/**
 * A fresh, empty directory under the OS temp dir, named `tessera-<prefix>-XXXXXX`. It is removed by
 * remove(), or at process exit if nobody called it.
 */
export async function tempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), `tessera-${sanitize(prefix)}-`));
  return track(path);
}

/** Synchronous variant, for the rare place that cannot await (a Jest config, a module top level). */
export function tempDirSync(prefix: string): TempDir {
  return track(mkdtempSync(join(tmpdir(), `tessera-${sanitize(prefix)}-`)));
}

function track(path: string): TempDir {
  const forget = onProcessExit(() => rmSync(path, { recursive: true, force: true }));
  let removed: Promise<void> | undefined;
  return {
    path,
    remove() {
      removed ??= rm(path, { recursive: true, force: true, maxRetries: 3 }).then(forget);
      return removed;
    },
  };
}

function sanitize(prefix: string): string {
  return prefix.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 40) || 'tmp';
}
