import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { Renderer, RenderedTile, RenderTileRequest, SceneInfo } from '../renderer';
import { checkRenderOptions } from './render-region';
import { RENDER_JOB_KIND, renderInThread } from './render-thread.runner';
import { describeScene, parseScene } from './scene.parser';

/**
 * The version of the builtin renderer's *output*. Bump it with any change that can alter a single output
 * pixel (sampling, shading, RNG, tone mapping, scene defaults), and only then: verification compares
 * pixels exactly between workers that report the same renderer version and device class.
 */
export const BUILTIN_RENDERER_VERSION = 'builtin-1.0.0';

/** Every builtin render runs on the CPU in double precision; results compare exactly across machines. */
export const BUILTIN_DEVICE = 'cpu';

/** Tessera's own deterministic path tracer, behind the common Renderer interface. */
export class BuiltinRenderer implements Renderer {
  readonly name = 'builtin' as const;

  async version(): Promise<string> {
    return BUILTIN_RENDERER_VERSION;
  }

  async inspect(scenePath: string): Promise<SceneInfo> {
    // A missing or unreadable file is an I/O failure, not a bad scene: it propagates as it is.
    return describeScene(parseScene(await readFile(scenePath, 'utf8')));
  }

  async renderTile(request: RenderTileRequest): Promise<RenderedTile> {
    const { scenePath, frame, width, height, region, samples, seed, bitDepth, signal } = request;
    checkRenderOptions({ width, height, frame, region, samples, seed });
    if (bitDepth !== 8 && bitDepth !== 16) throw new RangeError(`bitDepth must be 8 or 16, got ${String(bitDepth)}`);
    const pixels = await renderInThread(
      { kind: RENDER_JOB_KIND, scenePath, frame, width, height, region, samples, seed, bitDepth },
      signal,
    );
    const png = await encodePng(pixels, region.width, region.height, bitDepth);
    return { png, device: BUILTIN_DEVICE };
  }
}

/**
 * RGB pixels to PNG. sharp reads the sample depth from the typed array's class (Uint16Array -> ushort) and
 * needs `toColourspace('rgb16')` to write 16 bits; decoding with `.toColourspace('rgb16').raw({ depth:
 * 'ushort' })` gives the exact values back. The pixels arrive from another thread, so they are re-viewed
 * through this realm's constructors (sharp's class check fails on foreign ones, e.g. under jest's vm).
 * Kept private here until libs/imaging's encodePng can take over.
 */
async function encodePng(pixels: Uint8Array | Uint16Array, width: number, height: number, bitDepth: 8 | 16): Promise<Buffer> {
  const raw = { width, height, channels: 3 as const };
  if (bitDepth === 16) {
    const samples = new Uint16Array(pixels.buffer, pixels.byteOffset, width * height * 3);
    return sharp(samples, { raw }).toColourspace('rgb16').png().toBuffer();
  }
  return sharp(Buffer.from(pixels.buffer, pixels.byteOffset, width * height * 3), { raw }).png().toBuffer();
}
