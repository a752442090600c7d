import { readFile } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import type { Region } from '@tessera/contracts';
import type { PreparedScene } from '../archive/scene-workspace';
import { SceneError } from '../renderer';

/**
 * What Tessera takes from a POV-Ray scene besides the .pov itself. A .pov holds no resolution and no frame
 * range (POV-Ray takes them from INI files and the command line), so a scene may bring an INI file: in a zip,
 * `<name>.ini` (or `povray.ini`) next to the main `<name>.pov`. Only these settings are read from it, from
 * the top of the file (before any `[section]`):
 *
 *   Width, Height                     the default resolution of a job (else 640x480)
 *   Initial_Frame, Final_Frame        the animation's frames (else 1..1: a still)
 *   Initial_Clock, Final_Clock        the clock at those frames (else 0 and 1)
 *   Cyclic_Animation                  POV-Ray's cyclic clock (else off)
 *
 * Everything else in it is ignored, and said so in the scene's notes: Tessera sets quality, antialiasing,
 * output and file I/O itself. POV-Ray never reads the INI directly (POVINI points elsewhere), so an INI in a
 * scene cannot switch on shell-outs or other options.
 */
export interface PovraySettings {
  width: number;
  height: number;
  animation: PovrayAnimation | null;
  /** The INI read, relative to the scene directory, or null. */
  ini: string | null;
  notes: string[];
}

export interface PovrayAnimation {
  initialFrame: number;
  finalFrame: number;
  initialClock: number;
  finalClock: number;
  cyclic: boolean;
}

export const POVRAY_DEFAULT_WIDTH = 640;
export const POVRAY_DEFAULT_HEIGHT = 480;
/** The samples a POV-Ray job gets by default: antialiasing depth 3 (up to 3x3 rays per pixel). */
export const POVRAY_DEFAULT_SAMPLES = 9;
/**
 * POV-Ray renders in square blocks (`+BS`, default 32) and its adaptive antialiasing depends on the block
 * grid: a subset render whose start is not on that grid differs from a full render in a few pixels along the
 * tile's edges (measured: 12-30 of 84k samples). A subset widened to whole blocks of the full frame's grid
 * is bit-identical to the full render (measured), so tiles are rendered that way and cropped.
 */
export const POVRAY_BLOCK_SIZE = 32;

const READ_KEYS = new Set(['width', 'height', 'initial_frame', 'final_frame', 'initial_clock', 'final_clock', 'cyclic_animation']);

export async function readPovraySettings(scene: PreparedScene): Promise<PovraySettings> {
  const main = scene.mainRelative;
  const folder = posix.dirname(main);
  const candidates = [`${basename(main).replace(/\.pov$/i, '')}.ini`, 'povray.ini'].map((name) => (folder === '.' ? name : `${folder}/${name}`));
  const ini = candidates.find((name) => scene.files.some((file) => file.toLowerCase() === name.toLowerCase()));
  const settings: PovraySettings = { width: POVRAY_DEFAULT_WIDTH, height: POVRAY_DEFAULT_HEIGHT, animation: null, ini: null, notes: [] };
  if (!ini) return settings;
  const actual = scene.files.find((file) => file.toLowerCase() === ini.toLowerCase())!;
  return applyIni(settings, await readFile(join(scene.dir, ...actual.split('/')), 'latin1'), actual);
}

/** Reads the settings above from INI text; throws SceneError naming the line of a bad value. */
export function applyIni(base: PovraySettings, text: string, name: string): PovraySettings {
  const values = new Map<string, { value: string; line: number }>();
  const ignored: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/;.*$/, '').trim();
    if (line === '') continue;
    if (line.startsWith('[')) {
      ignored.push(`sections from ${line}`);
      break;
    }
    const match = /^([A-Za-z_]+)\s*=\s*(.*)$/.exec(line);
    const key = match?.[1].toLowerCase();
    if (!match || !key || !READ_KEYS.has(key)) {
      ignored.push(line.length > 60 ? `${line.slice(0, 57)}...` : line);
      continue;
    }
    values.set(key, { value: match[2].trim().replace(/^"(.*)"$/, '$1'), line: i + 1 });
  }
  const int = (key: string, min: number, fallback: number) => numberOf(values, key, name, fallback, (n) => Number.isSafeInteger(n) && n >= min);
  const real = (key: string, fallback: number) => numberOf(values, key, name, fallback, Number.isFinite);
  const settings: PovraySettings = { ...base, ini: name, notes: [...base.notes] };
  settings.width = int('width', 1, base.width);
  settings.height = int('height', 1, base.height);
  if (values.has('initial_frame') || values.has('final_frame')) {
    const initialFrame = int('initial_frame', 0, 1);
    const finalFrame = int('final_frame', 0, initialFrame);
    if (finalFrame < initialFrame) throw new SceneError(`${name}: Final_Frame ${finalFrame} is before Initial_Frame ${initialFrame}`);
    settings.animation = {
      initialFrame,
      finalFrame,
      initialClock: real('initial_clock', 0),
      finalClock: real('final_clock', 1),
      cyclic: /^(on|true|yes|1)$/i.test(values.get('cyclic_animation')?.value ?? 'off'),
    };
  }
  for (const setting of ignored) settings.notes.push(`${name}: ignored ${setting} (Tessera sets quality, output and file I/O itself)`);
  return settings;
}

function numberOf(values: Map<string, { value: string; line: number }>, key: string, name: string, fallback: number, ok: (n: number) => boolean): number {
  const entry = values.get(key);
  if (!entry) return fallback;
  const n = Number(entry.value);
  if (entry.value === '' || !ok(n)) throw new SceneError(`${name} line ${entry.line}: ${key} = "${entry.value}" is not a valid value`);
  return n;
}

/** POV-Ray's options for one frame: the animation clock when the scene has one, nothing for a still. */
export function frameArgs(settings: PovraySettings, frame: number): string[] {
  const animation = settings.animation;
  if (!animation) return [];
  if (frame < animation.initialFrame || frame > animation.finalFrame) {
    throw new RangeError(`frame ${frame} is outside the scene's animation, frames ${animation.initialFrame}-${animation.finalFrame}`);
  }
  return [
    `+KFI${animation.initialFrame}`,
    `+KFF${animation.finalFrame}`,
    `+KI${animation.initialClock}`,
    `+KF${animation.finalClock}`,
    animation.cyclic ? '+KC' : '-KC',
    `+SF${frame}`,
    `+EF${frame}`,
  ];
}

/**
 * Antialiasing from the job's samples, fixed for a given count so every worker traces the same rays:
 * 1 sample is no antialiasing; n > 1 is adaptive method 1, threshold 0.3, depth ceil(sqrt(n)) (1..9),
 * i.e. up to that depth squared rays per pixel. Jitter is always off.
 */
export function antialiasArgs(samples: number): string[] {
  if (samples <= 1) return ['-A', '-J'];
  const depth = Math.min(9, Math.max(1, Math.ceil(Math.sqrt(samples))));
  return ['+A0.3', '+AM1', `+R${depth}`, '-J'];
}

/**
 * The subset options that render `region`, widened to whole blocks (see POVRAY_BLOCK_SIZE), and the region
 * they render. POV-Ray counts columns and rows from 1 and reads a value of 1 or less as a fraction of the
 * frame: `+EC1` means the whole width. A widened end is at least min(32, size), so it is 1 only when the
 * frame is 1 pixel wide, where the fraction means the same pixel.
 */
export function subsetArgs(region: Region, width: number, height: number): { args: string[]; rendered: Region } {
  const b = POVRAY_BLOCK_SIZE;
  const x0 = Math.floor(region.x / b) * b;
  const y0 = Math.floor(region.y / b) * b;
  const x1 = Math.min(width, Math.ceil((region.x + region.width) / b) * b);
  const y1 = Math.min(height, Math.ceil((region.y + region.height) / b) * b);
  return {
    args: [`+SC${x0 + 1}`, `+EC${x1}`, `+SR${y0 + 1}`, `+ER${y1}`, `+BS${b}`],
    rendered: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 },
  };
}

/** The directory POV-Ray runs in: the main file's, so its relative #include and file names resolve there. */
export function workingDirectory(scene: PreparedScene): string {
  return dirname(scene.mainFile);
}
