import {
  FEES_ACCOUNT_ID, InsufficientCreditsError, JobSettledError, MINT_ACCOUNT_ID, NegativeBalanceError, parseCredits,
} from '@tessera/domain';
import { AttemptEntity, LedgerEntryEntity, LedgerRepository, type Database } from '@tessera/persistence';
import { DatabaseSource, expectSoundLedger, pricedJob, world, type LedgerWorld, type PricedJob } from './ledger.fixture';

const FEE = 1_000;

// The same stories on both databases Tessera supports, each on a database of its own.
describe.each(['sqlite', 'postgres'] as const)(`${LedgerRepository.name} on %s`, (kind) => {
  let source: DatabaseSource;
  let db: Database;
  let w: LedgerWorld;
  let ledger: LedgerRepository;

  beforeAll(async () => {
    source = await DatabaseSource.start(kind, 'ledger');
  }, 120_000);
  afterAll(async () => {
    await source?.stop();
  });
  beforeEach(async () => {
    db = await source.open();
    w = world(db);
    ledger = w.ledger;
  });
  // Every story ends with a ledger that keeps the invariants of docs/credits.md.
  afterEach(async () => {
    try {
      await expectSoundLedger(db);
    } finally {
      await db.close();
    }
  });

  /** An artist with `credits`, a job held in escrow, and an operator to pay. */
  async function submitted(credits: number, shape = {}): Promise<{ artist: string; operator: string; job: PricedJob }> {
    const artist = await w.funded('artist', credits);
    const operator = await w.account('operator');
    const job = pricedJob(shape);
    await db.transaction((m) => ledger.holdEscrow(m, { artistId: artist, jobId: job.id, estimate: job.estimate }));
    return { artist, operator, job };
  }

  const pay = (job: PricedJob, index: number, operatorId: string, attemptId = `attempt-${index}-${job.id}`.slice(0, 36)) =>
    db.transaction((m) =>
      ledger.payTile(m, { jobId: job.id, tileId: job.tiles[index].id, attemptId, operatorId, price: job.tiles[index].price, feeBasisPoints: FEE }),
    );

  it('an admin credit comes from the mint; the ledger still sums to zero', async () => {
    const artist = await w.account('artist');
    expect(await ledger.balance(artist)).toEqual({ accountId: artist, available: 0, held: 0, pending: 0, total: 0 });
    expect(await ledger.credit(artist, parseCredits('100'), 'welcome')).toMatchObject({ balance: 100_000_000 });
    expect((await ledger.balance(artist)).available).toBe(100_000_000);
    expect((await ledger.balance(MINT_ACCOUNT_ID)).available).toBe(-100_000_000);
    expect(await ledger.totals()).toBe(0);
  });

  it('submission holds the estimate (tiles + allowance) in escrow', async () => {
    const { artist, job } = await submitted(20_000);
    // 2x2 tiles of 32x24 at 4 samples: 3,072 micro-credits each, 12,288 in all, and 1,229 of allowance.
    expect(job.estimate).toMatchObject({ tilesPrice: 12_288, allowance: 1_229, total: 13_517 });
    expect(await ledger.balance(artist)).toEqual({ accountId: artist, available: 20_000 - 13_517, held: 13_517, pending: 0, total: 20_000 });
    expect(await ledger.jobStatement(job.id)).toMatchObject({ artistId: artist, escrowLeft: 12_288, allowanceLeft: 1_229, cost: 0, settled: false });
  });

  it('a balance that cannot cover the estimate is refused, saying how much is missing, and nothing is held', async () => {
    const artist = await w.funded('artist', 1_200_000);
    const job = pricedJob();
    const refusal = db.transaction((m) => ledger.holdEscrow(m, { artistId: artist, jobId: job.id, estimate: { tilesPrice: 4_500_000, allowance: 500_000 } }));
    await expect(refusal).rejects.toThrow(new InsufficientCreditsError(artist, 1_200_000, 5_000_000));
    await expect(refusal).rejects.toThrow('balance 1.200000 credits, the estimate is 5.000000 credits: 3.800000 credits missing');
    expect(await ledger.balance(artist)).toMatchObject({ available: 1_200_000, held: 0 });
    expect(await ledger.jobStatement(job.id)).toBeNull();
  });

  it('each accepted tile pays its operator, less the fee, pending until the job completes; the allowance comes back', async () => {
    const { artist, operator, job } = await submitted(20_000);
    for (let i = 0; i < 4; i++) expect(await pay(job, i, operator)).toMatchObject({ paid: true, fee: 307, payout: 2_765 });
    expect(await ledger.balance(operator)).toMatchObject({ available: 0, pending: 4 * 2_765 });
    expect(await ledger.balance(FEES_ACCOUNT_ID)).toMatchObject({ available: 0, pending: 4 * 307 });
    expect(await db.transaction((m) => ledger.settle(m, job.id, 'completed'))).toEqual({ settled: true, released: 12_288, refunded: 1_229 });
    expect(await ledger.balance(artist)).toMatchObject({ available: 20_000 - 12_288, held: 0 });
    expect(await ledger.balance(operator)).toMatchObject({ available: 4 * 2_765, pending: 0 });
    expect(await ledger.balance(FEES_ACCOUNT_ID)).toMatchObject({ available: 4 * 307, pending: 0 });
    expect(await ledger.jobStatement(job.id)).toMatchObject({ cost: 12_288, escrowLeft: 0, allowanceLeft: 0, refunded: 1_229, settled: true });
  });

  it('cancelling refunds what was not spent and releases what was earned', async () => {
    const { artist, operator, job } = await submitted(20_000);
    await pay(job, 0, operator);
    expect(await ledger.jobStatement(job.id)).toMatchObject({ escrowLeft: 3 * 3_072, pending: 3_072, cost: 3_072, settled: false });
    expect(await db.transaction((m) => ledger.settle(m, job.id, 'cancelled'))).toEqual({ settled: true, released: 3_072, refunded: 13_517 - 3_072 });
    expect((await ledger.balance(artist)).available).toBe(20_000 - 3_072);
    expect((await ledger.balance(operator)).available).toBe(2_765);
  });

  it('a tile is paid once, however often and by whichever attempt it is asked', async () => {
    const { operator, job } = await submitted(20_000);
    const first = await pay(job, 0, operator, 'lease-1');
    expect(first.paid).toBe(true);
    expect(await pay(job, 0, operator, 'lease-1')).toEqual({ paid: false, transactionId: first.transactionId, reason: 'attempt lease-1 is paid already' });
    expect(await pay(job, 0, operator, 'lease-2')).toEqual({ paid: false, transactionId: first.transactionId, reason: `tile ${job.tiles[0].id} is paid already` });
    expect((await ledger.balance(operator)).pending).toBe(2_765);
  });

  it('a payment rolls back with the transaction of the state change that caused it', async () => {
    const { operator, job } = await submitted(20_000);
    const failed = db.transaction(async (m) => {
      await ledger.payTile(m, { jobId: job.id, tileId: job.tiles[0].id, attemptId: 'lease-1', operatorId: operator, price: 3_072, feeBasisPoints: FEE });
      throw new Error('the tile could not be accepted after all');
    });
    await expect(failed).rejects.toThrow('could not be accepted');
    expect(await pay(job, 0, operator, 'lease-1')).toMatchObject({ paid: true });
  });

  it('spot-checks are paid from the allowance while it lasts, then by the platform', async () => {
    const { artist, operator, job } = await submitted(20_000);
    const check = (attemptId: string, price: number) =>
      db.transaction((m) => ledger.payVerification(m, { jobId: job.id, tileId: job.tiles[0].id, attemptId, operatorId: operator, price, feeBasisPoints: FEE }));
    expect(await check('check-1', 1_000)).toMatchObject({ paid: true, fee: 100, payout: 900 });
    expect(await check('check-1', 1_000)).toMatchObject({ paid: false });
    expect(await check('check-2', 1_000)).toMatchObject({ paid: true });
    expect((await ledger.jobStatement(job.id))?.allowanceLeft).toBe(0);
    expect((await ledger.balance(MINT_ACCOUNT_ID)).available).toBe(-20_000 - 771);
    await db.transaction((m) => ledger.settle(m, job.id, 'cancelled'));
    // The artist paid the allowance and no more; the operator earned both checks in full.
    expect((await ledger.balance(artist)).available).toBe(20_000 - 1_229);
    expect((await ledger.balance(operator)).available).toBe(1_800);
  });

  it('a cheater\'s pending earnings go back to the escrow, and its tiles are paid again to whoever renders them honestly', async () => {
    const { artist, operator: cheater, job } = await submitted(20_000);
    const honest = await w.account('operator', 'honest');
    await pay(job, 0, cheater, 'cheat-0');
    await pay(job, 1, cheater, 'cheat-1');
    await pay(job, 2, honest, 'honest-2');
    await db.transaction((m) => ledger.payVerification(m, { jobId: job.id, tileId: job.tiles[2].id, attemptId: 'cheat-check', operatorId: cheater, price: 500, feeBasisPoints: FEE }));
    const forfeit = await db.transaction((m) => ledger.forfeit(m, { jobId: job.id, operatorId: cheater, reason: 'failed a spot-check' }));
    expect(forfeit).toEqual({ forfeited: 2 * 3_072 + 500, payments: 3, settled: false });
    expect(await ledger.balance(cheater)).toMatchObject({ pending: 0, available: 0 });
    expect(await ledger.jobStatement(job.id)).toMatchObject({ escrowLeft: 3 * 3_072, allowanceLeft: 1_229 });
    // Forfeiting again finds nothing; the cheater's own attempts are never paid again.
    expect(await db.transaction((m) => ledger.forfeit(m, { jobId: job.id, operatorId: cheater, reason: 'again' }))).toMatchObject({ forfeited: 0, payments: 0 });
    expect(await pay(job, 0, cheater, 'cheat-0')).toMatchObject({ paid: false });
    for (const i of [0, 1, 3]) expect(await pay(job, i, honest, `redo-${i}`)).toMatchObject({ paid: true });
    await db.transaction((m) => ledger.settle(m, job.id, 'completed'));
    expect((await ledger.balance(honest)).available).toBe(4 * 2_765);
    expect((await ledger.balance(cheater)).available).toBe(0);
    expect((await ledger.balance(artist)).available).toBe(20_000 - 12_288);
  });

  it('a payment priced at zero is still its operator\'s: a forfeit reverses it, and the tile is paid again', async () => {
    const { operator: cheater, job } = await submitted(20_000);
    const honest = await w.account('operator', 'honest');
    const check = (operatorId: string, attemptId: string) =>
      db.transaction((m) => ledger.payVerification(m, { jobId: job.id, tileId: job.tiles[0].id, attemptId, operatorId, price: 0, feeBasisPoints: FEE }));
    expect(await check(cheater, 'free-check')).toMatchObject({ paid: true, fee: 0, payout: 0 });
    expect(await check(honest, 'honest-check')).toMatchObject({ paid: true });
    const forfeit = await db.transaction((m) => ledger.forfeit(m, { jobId: job.id, operatorId: cheater, reason: 'failed a spot-check' }));
    expect(forfeit).toEqual({ forfeited: 0, payments: 1, settled: false });
  });

  it('nothing moves after settlement', async () => {
    const { operator, job } = await submitted(20_000);
    await db.transaction((m) => ledger.settle(m, job.id, 'cancelled'));
    expect(await db.transaction((m) => ledger.settle(m, job.id, 'cancelled'))).toEqual({ settled: false, released: 0, refunded: 0 });
    await expect(pay(job, 0, operator)).rejects.toThrow(JobSettledError);
    expect(await db.transaction((m) => ledger.forfeit(m, { jobId: job.id, operatorId: operator, reason: 'late' }))).toMatchObject({ settled: true });
  });

  it('a correction cannot take more than is there, except from the mint', async () => {
    const artist = await w.funded('artist', 100);
    const take = (amount: number) =>
      db.transaction((m) =>
        ledger.correct(m, {
          memo: 'duplicate grant',
          entries: [{ accountId: artist, pocket: 'available', jobId: null, amount: -amount }, { accountId: MINT_ACCOUNT_ID, pocket: 'available', jobId: null, amount }],
        }),
      );
    await expect(take(101)).rejects.toThrow(NegativeBalanceError);
    await take(100);
    expect(await ledger.balance(artist)).toMatchObject({ available: 0 });
  });

  it('the ledger is append-only: the database itself refuses updates and deletes', async () => {
    const artist = await w.funded('artist', 100);
    await expect(db.transaction((m) => m.update(LedgerEntryEntity, { accountId: artist }, { amount: 1_000_000 }))).rejects.toThrow(/append-only/);
    await expect(db.transaction((m) => m.delete(LedgerEntryEntity, { accountId: artist }))).rejects.toThrow(/append-only/);
    expect((await ledger.balance(artist)).available).toBe(100);
  });

  it('an account\'s statement comes in pages, newest first', async () => {
    const artist = await w.account('artist');
    for (let i = 1; i <= 5; i++) await ledger.credit(artist, i, `grant ${i}`);
    const first = await ledger.entries(artist, { limit: 2 });
    expect(first.map((l) => [l.amount, l.memo, l.kind])).toEqual([[5, 'grant 5', 'credit'], [4, 'grant 4', 'credit']]);
    const rest = await ledger.entries(artist, { limit: 10, before: first[1].id });
    expect(rest.map((l) => l.amount)).toEqual([3, 2, 1]);
    expect(rest[0]).toMatchObject({ pocket: 'available', jobId: null, createdAt: 1_000 });
  });

  it('an operator sees its earnings per worker, net of forfeits', async () => {
    const { operator, job } = await submitted(20_000);
    await db.transaction(async (m) => {
      for (const [id, workerId, tile] of [['a1', 'gpu-1', 0], ['a2', 'gpu-1', 1], ['a3', 'gpu-2', 2]] as const) {
        await m.insert(AttemptEntity, {
          id, tileId: job.tiles[tile].id, jobId: job.id, workerId, number: 1, state: 'succeeded', outputKey: 'k', grantedAt: 0, expiresAt: 1,
          finishedAt: 1, pixelSha256: null, renderSeconds: null, device: null, rendererVersion: null, error: null,
        });
      }
    });
    for (const [i, attempt] of [[0, 'a1'], [1, 'a2'], [2, 'a3']] as const) await pay(job, i, operator, attempt);
    expect(await ledger.earningsByWorker(operator)).toEqual([
      { workerId: 'gpu-1', earned: 2 * 2_765, payments: 2 },
      { workerId: 'gpu-2', earned: 2_765, payments: 1 },
    ]);
  });

  if (kind === 'postgres') {
    describe('under concurrency', () => {
      it('concurrent submissions never spend the same credits twice', async () => {
        const artist = await w.funded('artist', 10 * 13_517 + 5);
        const jobs = Array.from({ length: 16 }, () => pricedJob());
        const results = await Promise.allSettled(
          jobs.map((job) => db.transaction((m) => ledger.holdEscrow(m, { artistId: artist, jobId: job.id, estimate: job.estimate }))),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
        const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(refused.every((r) => r.reason instanceof InsufficientCreditsError)).toBe(true);
        expect(await ledger.balance(artist)).toMatchObject({ available: 5, held: 10 * 13_517 });
      });

      it('one tile paid by many attempts at once is paid once', async () => {
        const { operator, job } = await submitted(20_000);
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => pay(job, 0, operator, `race-${i}`)));
        expect(results.filter((r) => r.paid)).toHaveLength(1);
        expect((await ledger.balance(operator)).pending).toBe(2_765);
      });

      it('payments racing the settlement are either released by it or refused after it', async () => {
        const { artist, operator, job } = await submitted(20_000);
        const payments = job.tiles.map((_, i) => pay(job, i, operator).then(() => true, (e) => (e instanceof JobSettledError ? false : Promise.reject(e))));
        const settlement = db.transaction((m) => ledger.settle(m, job.id, 'cancelled'));
        const paid = (await Promise.all(payments)).filter(Boolean).length;
        await settlement;
        expect(await ledger.balance(operator)).toEqual({ accountId: operator, available: paid * 2_765, held: 0, pending: 0, total: paid * 2_765 });
        expect((await ledger.balance(artist)).available).toBe(20_000 - paid * 3_072);
      });
    });
  }
});
