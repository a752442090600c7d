import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { parseScene } from './scene.parser';
import { renderRegion, toPixels } from './render-region';
import { isRenderJob, type RenderJob, type RenderReply } from './render-thread.runner';

/**
 * Entry point of the render thread. It reads and validates the scene itself, so a large scene's JSON
 * parse and validation also stay off the caller's event loop, renders, quantises and posts the pixels
 * back (transferred, not copied). The thread then has nothing left to do and exits.
 */
export function runRenderJob(job: RenderJob): RenderReply {
  try {
    const scene = parseScene(readFileSync(job.scenePath, 'utf8'));
    const linear = renderRegion(scene, job);
    return { ok: true, pixels: toPixels(linear, job.bitDepth) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    return { ok: false, name: e.name, message: e.message };
  }
}

if (parentPort && isRenderJob(workerData)) {
  const reply = runRenderJob(workerData);
  parentPort.postMessage(reply, reply.ok ? [reply.pixels.buffer as ArrayBuffer] : []);
}
