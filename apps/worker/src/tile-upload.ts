import { StorageHttpError } from './transient';

/** PUTs a tile (or its log) to a presigned URL: the worker never holds storage credentials, only this one URL. */
export async function uploadTile(url: string, body: Buffer, signal: AbortSignal, contentType = 'image/png'): Promise<void> {
  const response = await fetch(url, {
    method: 'PUT',
    body,
    headers: { 'content-type': contentType, 'content-length': String(body.length) },
    signal,
  });
  if (!response.ok) {
    const detail = (await response.text().catch(() => '')).slice(0, 300);
    throw new StorageHttpError(response.status, `tile upload refused: HTTP ${response.status} ${detail}`);
  }
}
