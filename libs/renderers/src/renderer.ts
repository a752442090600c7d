import type { BitDepth, Region, RendererName } from '@tessera/contracts';

/** What a renderer learns from a scene when it is uploaded; used as the defaults of a job on it. */
export interface SceneInfo {
  /** First and last frame the scene defines (inclusive). A still has frameStart === frameEnd. */
  frameStart: number;
  frameEnd: number;
  width: number;
  height: number;
  samples: number;
  /** Human-readable facts worth showing an artist (engine, camera, missing assets...). */
  notes: string[];
  /**
   * External files the scene references that are not in the upload (textures, linked libraries, caches),
   * as the scene names them. Absent when the renderer cannot tell; [] when nothing is missing. A scene with
   * missing files is still accepted: the artist decides, and the renders show what is missing.
   */
  missingFiles?: string[];
}

export interface RenderTileRequest {
  /** A local copy of the scene file, already checked against its SHA-256. */
  scenePath: string;
  frame: number;
  /** Full frame size; the tile is `region` of it. */
  width: number;
  height: number;
  region: Region;
  samples: number;
  seed: number;
  bitDepth: BitDepth;
  /** Aborting stops the render at once (thread terminated, process group killed). */
  signal: AbortSignal;
}

export interface RenderedTile {
  /** PNG of exactly region.width x region.height pixels at the requested bit depth. */
  png: Buffer;
  /** The device class that rendered it, e.g. `cpu` or `cuda:NVIDIA H100`; results compare within one class. */
  device: string;
  /**
   * The renderer's own output for this tile (stdout and stderr, the last `RENDER_LOG_LIMIT` bytes), for the
   * artist to read. Absent for renderers without one (builtin).
   */
  log?: string;
}

/** The most renderer output kept per tile: the end of a log is where the reason for a failure is. */
export const RENDER_LOG_LIMIT = 64 * 1024;

/** A scene the renderer cannot use. The message says precisely what is wrong, for a 4xx at upload. */
export class SceneError extends Error {
  override name = 'SceneError';
}

/** A render that was stopped through its AbortSignal. */
export class RenderAbortedError extends Error {
  override name = 'RenderAbortedError';
}

/**
 * A render that failed on this worker: the renderer crashed, exited with an error or produced a wrong image.
 * The message ends with the tail of the renderer's output; `log` holds up to RENDER_LOG_LIMIT bytes of it.
 */
export class RenderFailedError extends Error {
  override name = 'RenderFailedError';

  constructor(
    message: string,
    readonly log = '',
  ) {
    super(log ? `${message}\n--- renderer output (last lines) ---\n${lastLines(log, 20)}` : message);
  }
}

/** A render that ran past its time limit and was killed. */
export class RenderTimeoutError extends RenderFailedError {
  override name = 'RenderTimeoutError';
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

/** The narrow interface the worker and the API see; each adapter (builtin, blender, povray) implements it. */
export interface Renderer {
  readonly name: RendererName;
  /** The version reported by the renderer itself (binary or package), recorded with every result. */
  version(): Promise<string>;
  /** Reads a scene file and throws SceneError if this renderer cannot render it. */
  inspect(scenePath: string): Promise<SceneInfo>;
  renderTile(request: RenderTileRequest): Promise<RenderedTile>;
  /**
   * Stops every process the renderer keeps (warm Blender sessions) and any render in flight. Call it on
   * shutdown; optional because an in-process renderer (builtin) holds nothing.
   */
  close?(): Promise<void>;
}
