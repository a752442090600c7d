export * from './errors';
export { encodePng, decodePng, samplesOf, checkDecoded } from './png';
export type { Channels, RawImage, DecodedImage, EncodeOptions } from './png';
export { pixelHash, PIXEL_HASH_VERSION } from './pixel-hash';
export { stitch } from './stitch';
export type { StitchRequest, StitchTile } from './stitch';
export { thumbnail, THUMBNAIL_WIDTH } from './thumbnail';
export * from './compare';
export { cropDecoded } from './crop';
