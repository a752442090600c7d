import type { PreparedScene } from '../archive/scene-workspace';
import { RenderFailedError, SceneError, type SceneInfo } from '../renderer';

/** What the driver's `inspect` command answers (see blender-driver.script.ts). */
export interface InspectReply {
  sceneName: string;
  frameStart: number;
  frameEnd: number;
  width: number;
  height: number;
  resolutionX: number;
  resolutionY: number;
  percentage: number;
  engine: string;
  camera: string | null;
  samples: number;
  denoising: boolean;
  adaptiveSampling: boolean;
  compositing: boolean;
  sequencer: boolean;
  filmTransparent: boolean;
  missing: string[];
  outside: string[];
}

/**
 * The scene's defaults for a job, and the facts an artist should read before submitting one: what Tessera
 * will do differently from their Blender (engine, denoising...) and which files the upload lacks.
 */
export function toSceneInfo(reply: InspectReply, scene: PreparedScene, blenderVersion: string): SceneInfo {
  if (!reply.camera) throw new SceneError(`scene "${reply.sceneName}" has no active camera: set one in Blender and upload again`);
  const notes = [`${blenderVersion}, scene "${reply.sceneName}"`];
  notes.push(reply.engine === 'CYCLES' ? 'engine Cycles' : `engine ${reply.engine} in the file; Tessera renders with Cycles`);
  notes.push(`camera "${reply.camera}"`);
  if (reply.percentage !== 100) {
    notes.push(`resolution ${reply.resolutionX}x${reply.resolutionY} at ${reply.percentage}% = ${reply.width}x${reply.height}`);
  }
  if (reply.denoising) notes.push('denoising is on in the file; tiles are rendered without it (reproducible tiles, and this Blender has no OpenImageDenoise)');
  if (reply.adaptiveSampling) notes.push('adaptive sampling is on in the file; tiles use the full sample count');
  if (reply.compositing) notes.push('compositing nodes are not applied to tiles');
  if (reply.sequencer) notes.push('video sequencer strips are ignored: the scene itself is rendered');
  if (reply.filmTransparent) notes.push('transparent film: tiles are RGBA');
  if (scene.packaging === 'zip') notes.push(`zip with ${scene.files.length} file(s), scene "${scene.mainRelative}"`);
  for (const file of reply.missing) notes.push(`missing file: ${file}`);
  for (const file of reply.outside) notes.push(`file outside the upload (workers cannot read it): ${file}`);
  return {
    frameStart: reply.frameStart,
    frameEnd: reply.frameEnd,
    width: reply.width,
    height: reply.height,
    samples: reply.samples,
    notes,
    missingFiles: [...reply.missing, ...reply.outside],
  };
}

/**
 * Checks the shape of the driver's answer: it comes from a process that read an untrusted file, so its
 * numbers are checked like any other input before they become a job's defaults.
 */
export function checkInspectReply(reply: Record<string, unknown>): InspectReply {
  const ints = ['frameStart', 'frameEnd', 'width', 'height', 'resolutionX', 'resolutionY', 'percentage', 'samples'];
  for (const key of ints) {
    if (!Number.isSafeInteger(reply[key])) throw new RenderFailedError(`Blender driver sent a bad ${key}: ${String(reply[key])}`);
  }
  const lists = ['missing', 'outside'];
  for (const key of lists) {
    const value = reply[key];
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new RenderFailedError(`Blender driver sent a bad ${key} list`);
  }
  return reply as unknown as InspectReply;
}

/**
 * Inspection failed: when Blender could not open the file, that is the artist's problem (a 4xx), and
 * Blender's own `Error:` lines say why; the temporary path it names is replaced by the scene's name.
 */
export function inspectFailure(error: unknown, scene: PreparedScene): Error {
  if (!(error instanceof RenderFailedError)) return error as Error;
  const reasons = error.log
    .split('\n')
    .filter((line) => /^Error:|^Warning: .*(read|open)/i.test(line.trim()))
    .map((line) => line.trim().replace(/^Error:\s*/, '').split(scene.mainFile).join(scene.mainRelative));
  if (reasons.length > 0) return new SceneError(`Blender cannot read the scene: ${reasons.join('; ')}`);
  if ('sceneFault' in error && (error as { sceneFault: boolean }).sceneFault) {
    return new SceneError(error.message.split('\n')[0].replace(/^Blender failed: /, ''));
  }
  return error;
}
