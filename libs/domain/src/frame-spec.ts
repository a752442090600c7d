import { FrameSpecError } from './errors';

/** The most frames one job may ask for: a day of 24 fps animation is 2 million, a job is not. */
export const MAX_FRAMES_PER_JOB = 10_000;

/** The frames a scene defines, inclusive at both ends (Blender's frame_start..frame_end). */
export interface FrameBounds {
  min: number;
  max: number;
}

export interface FrameSpecOptions {
  /** Cap on the number of distinct frames (default MAX_FRAMES_PER_JOB). */
  maxFrames?: number;
}

interface Span {
  text: string;
  start: number;
  end: number;
}

// A frame number may be negative (Blender allows negative frames), so `-5--2` is a range.
const ITEM = /^(-?\d+)(?:\s*-\s*(-?\d+))?$/;

/**
 * Reads a frame list as artists type it: `7`, `1-24`, `1,5,9-12` (spaces allowed around commas and
 * dashes; ranges inclusive). Returns the distinct frames in ascending order; overlapping items are
 * fine (`1-10,5` is 1..10). Throws FrameSpecError with a message that quotes the offending item.
 *
 * The count is checked on the merged ranges before any array is built, so `1-999999999` fails fast
 * instead of allocating.
 */
export function parseFrameSpec(spec: string, bounds?: FrameBounds, options: FrameSpecOptions = {}): number[] {
  const maxFrames = options.maxFrames ?? MAX_FRAMES_PER_JOB;
  if (typeof spec !== 'string' || spec.trim() === '') {
    throw new FrameSpecError('frames: empty; expected a frame list such as "1-24" or "1,5,9-12"');
  }
  if (bounds) checkBounds(bounds);
  const spans = spec.split(',').map((item, index) => parseItem(item.trim(), index));
  if (bounds) spans.forEach((span) => checkInside(span, bounds));
  const merged = merge(spans);
  const count = merged.reduce((sum, span) => sum + span.end - span.start + 1, 0);
  if (count > maxFrames) {
    throw new FrameSpecError(`frames: ${JSON.stringify(spec.trim())} selects ${count} frames; a job may have at most ${maxFrames}`);
  }
  const frames: number[] = [];
  for (const { start, end } of merged) for (let f = start; f <= end; f++) frames.push(f);
  return frames;
}

/**
 * The shortest list parseFrameSpec reads back as the same frames: runs of three or more consecutive
 * frames become ranges (`1-24`), pairs stay as two numbers (`3,4`). Order and duplicates in the input
 * do not matter. An empty list gives an empty string.
 */
export function formatFrameSpec(frames: readonly number[]): string {
  frames.forEach((frame) => {
    if (!Number.isSafeInteger(frame)) throw new FrameSpecError(`frames: ${frame} is not a whole frame number`);
  });
  const sorted = [...new Set(frames)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    if (j - i >= 2) parts.push(`${sorted[i]}-${sorted[j]}`);
    else for (let k = i; k <= j; k++) parts.push(String(sorted[k]));
    i = j + 1;
  }
  return parts.join(',');
}

function parseItem(text: string, index: number): Span {
  if (text === '') throw new FrameSpecError(`frames: item ${index + 1} is empty (two commas in a row, or a comma at an end)`);
  const match = ITEM.exec(text);
  if (!match) {
    throw new FrameSpecError(`frames: ${JSON.stringify(text)} is not a frame or a range (expected e.g. "7" or "1-24")`);
  }
  const start = toFrame(match[1], text);
  const end = match[2] === undefined ? start : toFrame(match[2], text);
  if (end < start) throw new FrameSpecError(`frames: ${JSON.stringify(text)} is a descending range`);
  return { text, start, end };
}

function toFrame(digits: string, text: string): number {
  const value = Number(digits);
  if (!Number.isSafeInteger(value)) throw new FrameSpecError(`frames: ${JSON.stringify(text)} holds a number too large for a frame`);
  return value;
}

function checkBounds({ min, max }: FrameBounds): void {
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > max) {
    throw new FrameSpecError(`frames: the scene's range ${min}-${max} is not a valid frame range`);
  }
}

function checkInside(span: Span, { min, max }: FrameBounds): void {
  // Name the frame that sticks out: the start when it is below the range, else the end.
  const outside = span.start < min ? span.start : span.end > max ? span.end : undefined;
  if (outside === undefined) return;
  const range = min === max ? `frame ${min}` : `range ${min}-${max}`;
  const where = span.start === span.end ? '' : ` (in ${JSON.stringify(span.text)})`;
  throw new FrameSpecError(`frames: ${outside}${where} is outside the scene's ${range}`);
}

/** Sorts and merges overlapping or touching spans, so counting and expanding see each frame once. */
function merge(spans: Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const span of sorted) {
    const last = out[out.length - 1];
    if (last && span.start <= last.end + 1) last.end = Math.max(last.end, span.end);
    else out.push({ ...span });
  }
  return out;
}
