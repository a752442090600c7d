import { extname, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { RenderAbortedError, SceneError } from '../renderer';
import type { RenderRegionOptions } from './render-region';

/** What the adapter hands its render thread (as workerData; structured-clone friendly). */
export interface RenderJob extends RenderRegionOptions {
  kind: typeof RENDER_JOB_KIND;
  scenePath: string;
  bitDepth: 8 | 16;
}

/** The thread's one reply. Errors travel as name + message because classes do not survive cloning. */
export type RenderReply =
  | { ok: true; pixels: Uint8Array | Uint16Array }
  | { ok: false; name: string; message: string };

export const RENDER_JOB_KIND = 'tessera-builtin-render';

export function isRenderJob(value: unknown): value is RenderJob {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === RENDER_JOB_KIND;
}

/**
 * Runs a render job on a `node:worker_threads` thread, so the calling process keeps its event loop free
 * (the worker agent must go on heart-beating over NATS during a render of minutes). Aborting the signal
 * terminates the thread at once, even inside the tracer's loops, and rejects with RenderAbortedError.
 */
export function renderInThread(job: RenderJob, signal: AbortSignal): Promise<Uint8Array | Uint16Array> {
  if (signal.aborted) return Promise.reject(abortedError(signal));
  const worker = startThread(job);
  return new Promise((resolvePixels, reject) => {
    let settled = false;
    const settle = (action: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      action();
    };
    const onAbort = (): void =>
      settle(() => {
        void worker.terminate();
        reject(abortedError(signal));
      });
    signal.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (reply: RenderReply) =>
      settle(() => (reply.ok ? resolvePixels(reply.pixels) : reject(rebuildError(reply)))),
    );
    worker.once('error', (error) => settle(() => reject(error)));
    worker.once('exit', (code) =>
      settle(() => reject(new Error(`builtin render thread exited with code ${code} before replying`))),
    );
  });
}

/**
 * Compiled (dist/...js): the thread runs the sibling render.thread.js. From TypeScript source (jest,
 * scripts): the thread first installs a require hook that compiles .ts with @swc/core, a devDependency
 * the test runner already uses, and maps `@tessera/<lib>` to `libs/<lib>/src` as tsconfig paths do.
 */
function startThread(job: RenderJob): Worker {
  const extension = extname(__filename);
  const entry = join(__dirname, `render.thread${extension}`);
  if (extension !== '.ts') return new Worker(entry, { workerData: job });
  const bootstrap = sourceBootstrap(require.resolve('@swc/core'), resolve(__dirname, '../../../..'), entry);
  return new Worker(bootstrap, { eval: true, workerData: job });
}

function sourceBootstrap(swcPath: string, repoRoot: string, entry: string): string {
  return `
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const swc = require(${JSON.stringify(swcPath)});
const libs = ${JSON.stringify(join(repoRoot, 'libs'))};
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const alias = /^@tessera\\/([^/]+)$/.exec(request);
  return resolveFilename.call(this, alias ? path.join(libs, alias[1], 'src') : request, ...rest);
};
Module._extensions['.ts'] = function (module, filename) {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    swcrc: false,
    jsc: { parser: { syntax: 'typescript', decorators: true }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
require(${JSON.stringify(entry)});
`;
}

function abortedError(signal: AbortSignal): RenderAbortedError {
  // Duck-typed: the default reason is a DOMException, which may come from another realm.
  const message = (signal.reason as { message?: unknown } | undefined)?.message;
  const reason = typeof message === 'string' && message !== '' ? `: ${message}` : '';
  return new RenderAbortedError(`builtin render aborted${reason}`);
}

function rebuildError(reply: Extract<RenderReply, { ok: false }>): Error {
  if (reply.name === 'SceneError') return new SceneError(reply.message);
  if (reply.name === 'RangeError') return new RangeError(reply.message);
  const error = new Error(reply.message);
  error.name = reply.name;
  return error;
}
