import { createUser } from '@nats-io/nkeys';
import { resultSigner, signResult, subjects, type TesseraConfig, type UnsignedTileResult } from '@tessera/contracts';
import type { Clock } from '@tessera/domain';
import type { AttemptContext, ResultRejection, SignedResultRepository, TileOutcomeRepository } from '@tessera/persistence';
import type { JobEventsPublisher } from './job-events.publisher';
import { ResultService } from './result.service';
import type { StitchService } from './stitch.service';
import type { TileAcceptanceService } from './tile-acceptance.service';
import type { VerificationService } from './verification.service';

const worker = createUser();
const signer = resultSigner(worker.getSeed());
const LEASE = '6f1c3a52-0000-4000-8000-000000000001';
const TILE = '0b8e2c10-0000-4000-8000-000000000002';

const honest: UnsignedTileResult = {
  status: 'rendered', leaseId: LEASE, tileId: TILE, attempt: 1, workerId: 'w1',
  pixelSha256: 'a'.repeat(64), width: 8, height: 4, renderSeconds: 0.5, device: 'cpu', rendererVersion: 'builtin-1.0.0',
};

/** The service with its I/O replaced: the attempt's state, the worker's key, and what was recorded. */
function setup(attempt: Partial<AttemptContext['attempt']> = {}, publicKey: string | null = worker.getPublicKey()) {
  const rejected: ResultRejection[] = [];
  const calls: string[] = [];
  const context = {
    attempt: { id: LEASE, tileId: TILE, workerId: 'w1', number: 1, state: 'active', pixelSha256: null, renderSeconds: null, device: null, rendererVersion: null, error: null, ...attempt },
    tile: { id: TILE, frame: 1 },
    job: { id: 'job-1' },
  } as unknown as AttemptContext;
  const outcomes = {
    context: async (leaseId: string) => (leaseId === LEASE ? context : null),
    recordLate: async () => void calls.push('recordLate'),
    fail: async () => (calls.push('fail'), { retried: true, jobFailed: false, abort: [], blocklisted: false }),
    accept: async () => (calls.push('accept'), { accepted: true, frame: { id: 'f' }, frameComplete: false }),
  } as unknown as TileOutcomeRepository;
  const signed = {
    publicKeyOf: async () => publicKey,
    reject: async (r: ResultRejection) => void rejected.push(r),
  } as unknown as SignedResultRepository;
  const service = new ResultService(
    { scheduling: { blocklistAfterFailures: 3 } } as TesseraConfig,
    { now: () => 1000 } as Clock,
    outcomes,
    signed,
    { check: async () => (calls.push('check'), { ok: true }) } as unknown as TileAcceptanceService,
    { stitchInBackground: () => undefined } as unknown as StitchService,
    { publish: () => undefined } as unknown as JobEventsPublisher,
    { decider: async () => undefined, regionAccepted: async () => undefined } as unknown as VerificationService,
  );
  const handle = (data: unknown, subject = subjects.result('w1')) => service.handle({ subject, data });
  return { handle, rejected, calls };
}

describe(ResultService.name, () => {
  describe('authenticity', () => {
    it('takes a result signed by the worker for its active lease', async () => {
      const { handle, rejected, calls } = setup();
      await handle(signResult(honest, signer));
      expect(rejected).toEqual([]);
      expect(calls).toEqual(['check', 'accept']);
    });

    it.each([
      ['unsigned', () => honest, 'unsigned'],
      ['signed by another key', () => signResult(honest, resultSigner(createUser().getSeed())), 'bad-signature'],
      ['changed after signing', () => ({ ...signResult(honest, signer), renderSeconds: 0.1 }), 'bad-signature'],
      ['for a lease the worker does not hold', () => signResult({ ...honest, leaseId: '6f1c3a52-0000-4000-8000-00000000000f' }, signer), 'foreign-lease'],
      ['for another tile than the lease', () => signResult({ ...honest, tileId: '0b8e2c10-0000-4000-8000-00000000000f' }, signer), 'foreign-lease'],
      ['for another attempt than the lease', () => signResult({ ...honest, attempt: 2 }, signer), 'attempt-mismatch'],
    ])('refuses and records a result %s, without touching the lease', async (_what, result, reason) => {
      const { handle, rejected, calls } = setup();
      await handle(result());
      expect(rejected).toEqual([expect.objectContaining({ workerId: 'w1', leaseId: (result() as UnsignedTileResult).leaseId, reason, subject: subjects.result('w1'), receivedAt: 1000 })]);
      expect(calls).toEqual([]);
    });

    it('refuses a result of a worker that registered no key', async () => {
      const { handle, rejected } = setup({}, null);
      await handle(signResult(honest, signer));
      expect(rejected.map((r) => r.reason)).toEqual(['unknown-key']);
    });

    it("refuses a result of a lease of another worker, even one signed by that worker's own key", async () => {
      const { handle, rejected, calls } = setup({ workerId: 'w2' });
      await handle(signResult(honest, signer));
      expect(rejected.map((r) => r.reason)).toEqual(['foreign-lease']);
      expect(calls).toEqual([]);
    });

    it('calls the same result for an answered lease a duplicate, and another one a replay', async () => {
      const answered = { state: 'succeeded' as const, pixelSha256: honest.pixelSha256, renderSeconds: 0.5, device: 'cpu', rendererVersion: 'builtin-1.0.0' };
      const { handle, rejected, calls } = setup(answered);
      await handle(signResult(honest, signer));
      await handle(signResult({ ...honest, pixelSha256: 'b'.repeat(64) }, signer));
      await handle(signResult({ status: 'failed', leaseId: LEASE, tileId: TILE, attempt: 1, workerId: 'w1', error: 'x', renderSeconds: 0 }, signer));
      expect(rejected.map((r) => r.reason)).toEqual(['duplicate', 'replayed', 'replayed']);
      expect(calls).toEqual([]);
    });

    it('records a result for a lease that expired without one as late, on the attempt too', async () => {
      const { handle, rejected, calls } = setup({ state: 'expired' });
      await handle(signResult(honest, signer));
      expect(rejected.map((r) => r.reason)).toEqual(['late']);
      expect(calls).toEqual(['recordLate']);
    });

    it('drops a result whose worker is not the one of its subject before looking at anything', async () => {
      const { handle, rejected, calls } = setup();
      await handle(signResult(honest, signer), subjects.result('w2'));
      expect([rejected, calls]).toEqual([[], []]);
    });
  });
});
