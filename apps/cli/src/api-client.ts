import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';

/** The parts of the API's job view the CLI shows. The full schema is docs/openapi.json. */
export interface JobView {
  id: string;
  state: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
  frames: string;
  frameCount: number;
  framesDone: number;
  width: number;
  height: number;
  samples: number;
  tiling: string;
  tiles: { total: number; pending: number; leased: number; accepted: number; failed: number; cancelled: number };
  timings: { createdAt: string; startedAt: string | null; finishedAt: string | null; elapsedSeconds: number };
  error: string | null;
  errors: Array<{ message: string; workerId: string }>;
  checks: { open: number; passed: number; failed: number; checkerFailed: number; inconclusive: number; abandoned: number; arbitrated: number };
  cost: { held: number; spent: number; refunded: number; settled: boolean; heldCredits: string; spentCredits: string; refundedCredits: string } | null;
}

export interface BalanceView {
  available: number;
  held: number;
  pending: number;
  total: number;
  availableCredits: string;
  heldCredits: string;
  pendingCredits: string;
}

export interface AccountView {
  id: string;
  name: string;
  role: string;
  balance: BalanceView;
}

export interface SceneView {
  id: string;
  name: string;
  renderer: string;
  size: number;
  info: { frameStart: number; frameEnd: number; width: number; height: number; samples: number; notes: string[] };
}

export interface FrameView {
  frame: number;
  state: string;
}

/** An answer of the API that is not a success, with the API's own message. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A small typed client of Tessera's HTTP API, as a studio pipeline would write one. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  me(): Promise<AccountView & { keyId: string; scopes: string[] }> {
    return this.json(`${this.baseUrl}/v1/accounts/me`);
  }

  async uploadScene(path: string, renderer: string): Promise<SceneView> {
    const size = (await stat(path)).size;
    const url = `${this.baseUrl}/v1/scenes?renderer=${encodeURIComponent(renderer)}&name=${encodeURIComponent(basename(path))}`;
    return this.json<SceneView>(url, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: Readable.toWeb(createReadStream(path)) as never,
      duplex: 'half',
    } as RequestInit);
  }

  submitJob(body: Record<string, unknown>, idempotencyKey?: string): Promise<JobView> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    return this.json<JobView>(`${this.baseUrl}/v1/jobs`, { method: 'POST', headers, body: JSON.stringify(body) });
  }

  job(id: string): Promise<JobView> {
    return this.json<JobView>(`${this.baseUrl}/v1/jobs/${encodeURIComponent(id)}`);
  }

  cancel(id: string): Promise<JobView> {
    return this.json<JobView>(`${this.baseUrl}/v1/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
  }

  frames(id: string): Promise<FrameView[]> {
    return this.json<FrameView[]>(`${this.baseUrl}/v1/jobs/${encodeURIComponent(id)}/frames`);
  }

  async frameImage(id: string, frame: number): Promise<Buffer> {
    const response = await fetch(`${this.baseUrl}/v1/jobs/${encodeURIComponent(id)}/frames/${frame}`, { headers: this.auth() });
    if (!response.ok) throw await toError(response);
    return Buffer.from(await response.arrayBuffer());
  }

  /** The Authorization header every request carries when the client has a key. */
  private auth(headers: Record<string, string> = {}): Record<string, string> {
    return this.apiKey ? { ...headers, authorization: `Bearer ${this.apiKey}` } : headers;
  }

  private async json<T>(url: string, init: RequestInit = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch(url, { ...init, headers: this.auth(init.headers as Record<string, string> | undefined) });
    } catch (error) {
      throw new Error(`cannot reach the Tessera API at ${this.baseUrl} (${(error as Error).message}); is \`tessera up\` running?`);
    }
    if (!response.ok) throw await toError(response);
    return (await response.json()) as T;
  }
}

async function toError(response: Response): Promise<ApiError> {
  const text = await response.text();
  let message = text;
  try {
    const body = JSON.parse(text) as { message?: string | string[] };
    if (body.message) message = Array.isArray(body.message) ? body.message.join('; ') : body.message;
  } catch {
    // not JSON: keep the text
  }
  return new ApiError(response.status, `HTTP ${response.status}: ${message}`);
}
