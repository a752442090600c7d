import type { Region } from '@tessera/contracts';
import { ImageMismatchError } from './errors';
import { checkDecoded, type DecodedImage } from './png';

/**
 * The pixels of `region` (in the image's own coordinates) as an image of their own, byte for byte: a
 * spot-check compares a patch a checker rendered with the same rectangle of the tile under check.
 */
export function cropDecoded(image: DecodedImage, region: Region): DecodedImage {
  checkDecoded(image);
  const { x, y, width, height } = region;
  if (!(Number.isInteger(x) && Number.isInteger(y) && width > 0 && height > 0 && x >= 0 && y >= 0 && x + width <= image.width && y + height <= image.height)) {
    throw new ImageMismatchError(`cannot crop ${width}x${height}+${x}+${y} out of a ${image.width}x${image.height} image`);
  }
  const pixelBytes = image.channels * (image.bitDepth / 8);
  const rowBytes = width * pixelBytes;
  const data = Buffer.allocUnsafe(rowBytes * height);
  for (let row = 0; row < height; row++) {
    const from = ((y + row) * image.width + x) * pixelBytes;
    image.data.copy(data, row * rowBytes, from, from + rowBytes);
  }
  return { data, width, height, channels: image.channels, bitDepth: image.bitDepth };
}
