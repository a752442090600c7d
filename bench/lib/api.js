'use strict';
// The bench's only way to speak HTTP to Tessera's API. Every request goes through `apiRequest`, which adds
// the API key when one is known (the started farm's admin key, else TESSERA_API_KEY), so a change in how
// the API authenticates is adapted here and nowhere else.
const { createReadStream, statSync } = require('node:fs');
const { basename } = require('node:path');
const { Readable } = require('node:stream');

/** The key of the farm's local admin once the farm is started, else TESSERA_API_KEY, else none. */
function apiKeyOf(farm) {
  return farm?.apiKey || farm?.adminKey || process.env.TESSERA_API_KEY || undefined;
}

/**
 * An HTTP request to the API at `baseUrl` (`path` starts with /). Resolves with the parsed JSON body;
 * rejects with the status and the API's message on anything but a 2xx. `raw: true` returns the Response.
 */
async function apiRequest(api, path, init = {}) {
  const headers = { ...(init.headers ?? {}) };
  if (api.key) headers.authorization = `Bearer ${api.key}`;
  const response = await fetch(`${api.baseUrl}${path}`, { ...init, headers });
  if (init.raw) return response;
  const text = await response.text();
  if (!response.ok) {
    const error = new Error(`${init.method ?? 'GET'} ${path}: HTTP ${response.status}: ${text.slice(0, 500)}`);
    error.status = response.status;
    throw error;
  }
  return text ? JSON.parse(text) : undefined;
}

/** A small client bound to one farm: the calls the suites make. */
function apiClient(baseUrl, farm) {
  const api = { baseUrl, key: apiKeyOf(farm) };
  return {
    get key() {
      return api.key;
    },
    request: (path, init) => apiRequest(api, path, init),
    /** Streams the file as the request body (never read whole here either). */
    uploadScene(path, renderer, name = basename(path)) {
      const size = statSync(path).size;
      return apiRequest(api, `/v1/scenes?renderer=${encodeURIComponent(renderer)}&name=${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
        body: Readable.toWeb(createReadStream(path, { highWaterMark: 1024 * 1024 })),
        duplex: 'half',
      });
    },
    submitJob: (body) => apiRequest(api, '/v1/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    job: (id) => apiRequest(api, `/v1/jobs/${encodeURIComponent(id)}`),
  };
}

module.exports = { apiClient, apiKeyOf, apiRequest };
