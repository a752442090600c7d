import sharp from 'sharp';
import { ImageDecodeError } from './errors';
import { readPngHeader } from './png-structure';

export const THUMBNAIL_WIDTH = 320;

/**
 * A preview for the dashboard and `tessera status`: an 8-bit PNG at most `maxWidth` wide, aspect ratio
 * kept (height rounded, at least 1 px), never enlarged.
 *
 * PNG rather than JPEG: renders with a transparent film keep their alpha (JPEG would flatten it onto
 * an arbitrary background), every image Tessera stores stays one format and one content type, and at
 * 320 px the size difference (tens of kB) does not matter next to the frame itself.
 *
 * Unlike decodePng, an embedded ICC profile IS applied here (converted to sRGB): a thumbnail is for
 * eyes, not for comparing samples.
 */
export async function thumbnail(png: Buffer, maxWidth: number = THUMBNAIL_WIDTH): Promise<Buffer> {
  if (!Number.isSafeInteger(maxWidth) || maxWidth < 1) {
    throw new RangeError(`thumbnail width must be a positive integer, got ${maxWidth}`);
  }
  readPngHeader(png);
  try {
    return await sharp(png, { failOn: 'warning' })
      .resize({ width: maxWidth, withoutEnlargement: true })
      .toColourspace('srgb')
      .png({ compressionLevel: 9 })
      .toBuffer();
  } catch (error) {
    throw new ImageDecodeError(`corrupt PNG: ${(error as Error).message}`, { cause: error });
  }
}
