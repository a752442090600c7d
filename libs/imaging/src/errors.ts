import { DomainError } from '@tessera/domain';

/**
 * Imaging errors derive from DomainError: a tile that does not decode or does not fit its region is
 * bad input from a worker or an artist, and the HTTP/NATS layers map it in the same place as the rest.
 */

/** Bytes that are not a PNG we can read. The message says what is wrong with them. */
export class ImageDecodeError extends DomainError {
  readonly code = 'image_decode';
}

/** Pixels that cannot be encoded as asked: wrong sample type or count for the size and bit depth. */
export class ImageEncodeError extends DomainError {
  readonly code = 'image_encode';
}

/** Tiles that do not make up the frame: bad coverage, a tile of the wrong size, depth or channels. */
export class StitchError extends DomainError {
  readonly code = 'stitch';
}

/** Two images that cannot be compared because they differ in size. */
export class ImageMismatchError extends DomainError {
  readonly code = 'image_mismatch';
}
