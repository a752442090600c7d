import { StorageHttpError } from './transient';

/** PUTs a tile to its presigned URL: the worker never holds storage credentials, only this one URL. */
export async function uploadTile(url: string, png: Buffer, signal: AbortSignal): Promise<void> {
  const response = await fetch(url, {
    method: 'PUT',
    body: png,
    headers: { 'content-type': 'image/png', 'content-length': String(png.length) },
    signal,
  });
  if (!response.ok) {
    const detail = (await response.text().catch(() => '')).slice(0, 300);
    throw new StorageHttpError(response.status, `tile upload refused: HTTP ${response.status} ${detail}`);
  }
}
