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
}

/** A scene the renderer cannot use. The message says precisely what is wrong, for a 4xx at upload. */
export class SceneError extends Error {
  override name = 'SceneError';
}

/** A render that was stopped through its AbortSignal. */
export class RenderAbortedError extends Error {
  override name = 'RenderAbortedError';
}

/** The narrow interface the worker and the API see; each adapter (builtin, blender, povray) implements it. */
export interface Renderer {
  readonly name: RendererName;
  /** The version reported by the renderer itself (binary or package), recorded with every result. */
  version(): Promise<string>;
  /** Reads a scene file and throws SceneError if this renderer cannot render it. */
  inspect(scenePath: string): Promise<SceneInfo>;
  renderTile(request: RenderTileRequest): Promise<RenderedTile>;
}
