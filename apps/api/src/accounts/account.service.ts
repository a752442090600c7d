import { Inject, Injectable } from '@nestjs/common';
import type { TesseraConfig } from '@tessera/contracts';
import { checkPolicyOf, checkProbability, Clock, formatCredits, parseCredits, ScopeError, UnknownAccountError, type AccountRole, type CheckPolicy } from '@tessera/domain';
import {
  AccountEntity, AccountRepository, ApiKeyEntity, CheckRepository, LedgerRepository, WorkerIdentityEntity, WorkerRepository, type Balance,
} from '@tessera/persistence';
import { allowWorker, isWorkerPublicKey, revokeWorker } from '@tessera/messaging';
import { TESSERA_CONFIG } from '@tessera/runtime';
import { InvalidWorkerKeyError, NotFoundError } from '../api.errors';
import { isAdmin, type Caller } from '../auth/caller';
import type { AccountView, BalanceView, CreditView, EarningsView, KeyView, LedgerLineView, MeView, NewKeyView } from './account.dto';
import type { WorkerIdentityView } from './worker.dto';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Accounts, their keys, balances and statements, and operators' workers, as the API shows them. */
@Injectable()
export class AccountService {
  private readonly policy: CheckPolicy;

  constructor(
    @Inject(TESSERA_CONFIG) private readonly config: TesseraConfig,
    private readonly clock: Clock,
    private readonly accounts: AccountRepository,
    private readonly ledger: LedgerRepository,
    private readonly workerRows: WorkerRepository,
    private readonly checks: CheckRepository,
  ) {
    this.policy = checkPolicyOf(config.verification);
  }

  async me(caller: Caller): Promise<MeView> {
    const account = await this.accounts.find(caller.accountId);
    if (!account) throw new NotFoundError(`no account ${caller.accountId}`);
    return { ...(await this.view(account)), keyId: caller.keyId, scopes: [...caller.scopes] };
  }

  async get(id: string): Promise<AccountView> {
    return this.view(await this.person(id));
  }

  async create(name: string, role: AccountRole): Promise<AccountView> {
    return this.view(await this.accounts.open({ name, role }));
  }

  async credit(id: string, credits: string, memo: string | undefined): Promise<CreditView> {
    await this.person(id);
    const { transactionId } = await this.ledger.credit(id, parseCredits(credits), memo ?? 'credited by an admin');
    return { transactionId, balance: balanceView(await this.ledger.balance(id)) };
  }

  async statement(accountId: string, limit: number, before: number | undefined): Promise<LedgerLineView[]> {
    const lines = await this.ledger.entries(accountId, { limit, before });
    return lines.map((line) => ({
      id: line.id, transactionId: line.transactionId, kind: line.kind, pocket: line.pocket, jobId: line.jobId, tileId: line.tileId,
      amount: line.amount, credits: formatCredits(line.amount), memo: line.memo, createdAt: new Date(line.createdAt).toISOString(),
    }));
  }

  async earnings(operatorId: string): Promise<EarningsView[]> {
    const rows = await this.ledger.earningsByWorker(operatorId);
    return rows.map((row) => ({ ...row, earnedCredits: formatCredits(row.earned) }));
  }

  // --- keys ---------------------------------------------------------------------------------------------------

  /**
   * A new key, for the caller's account or (admin) another's. A key can only hand on what it holds itself, so
   * a read-only key cannot mint a key that spends.
   */
  async createKey(caller: Caller, input: { name: string; scopes: string[]; accountId?: string }): Promise<NewKeyView> {
    const accountId = input.accountId ?? caller.accountId;
    if (accountId !== caller.accountId) {
      if (!isAdmin(caller)) throw new ScopeError('accountId: only an admin key creates keys for another account');
      await this.person(accountId);
    } else {
      const beyond = input.scopes.filter((scope) => !caller.scopes.includes(scope as never));
      if (beyond.length > 0) throw new ScopeError(`scopes: this key holds ${caller.scopes.join(', ')} and cannot grant ${beyond.join(', ')}`);
    }
    const { key, record } = await this.accounts.issueKey(accountId, input.name, input.scopes);
    return { ...keyView(record), key };
  }

  async keys(accountId: string): Promise<KeyView[]> {
    return (await this.accounts.keys(accountId)).map(keyView);
  }

  async revokeKey(caller: Caller, id: string): Promise<KeyView> {
    const key = /^[a-z2-7]{12}$/.test(id) ? await this.accounts.key(id) : null;
    if (!key || (key.accountId !== caller.accountId && !isAdmin(caller))) throw new NotFoundError(`no key ${id}`);
    return keyView((await this.accounts.revokeKey(id)) as ApiKeyEntity);
  }

  // --- workers ------------------------------------------------------------------------------------------------

  /**
   * Registers a worker's key for an operator; on the embedded NATS the key is allowed in at once (for that
   * worker id only). On an external NATS its operator manages the users (docs/operations.md).
   */
  async registerWorker(operatorId: string, input: { publicKey: string; workerId: string; name?: string }): Promise<{ worker: WorkerIdentityView; created: boolean }> {
    if (!isWorkerPublicKey(input.publicKey)) throw new InvalidWorkerKeyError(`publicKey: ${input.publicKey} is not a worker public key (its checksum does not match); copy it from \`tessera worker init\``);
    const { identity, created } = await this.accounts.registerWorker(operatorId, input.publicKey, input.workerId, input.name ?? input.workerId);
    if (this.config.natsAuthDir && !identity.revokedAt) allowWorker(this.config.natsAuthDir, identity.publicKey, identity.workerId);
    return { worker: await this.identityView(identity), created };
  }

  /** Registered keys with the workers running under them: connection, flags, and reputation per renderer and device. */
  async workers(caller: Caller, limit: number): Promise<WorkerIdentityView[]> {
    const identities = await this.accounts.workerIdentities(isAdmin(caller) ? null : caller.accountId, limit);
    return Promise.all(identities.map((identity) => this.identityView(identity)));
  }

  async revokeWorker(caller: Caller, publicKey: string, reason: string | undefined): Promise<WorkerIdentityView> {
    const identity = await this.accounts.workerIdentity(publicKey);
    if (!identity || (identity.operatorId !== caller.accountId && !isAdmin(caller))) throw new NotFoundError(`no worker ${publicKey}`);
    const who = isAdmin(caller) && identity.operatorId !== caller.accountId ? 'an admin' : 'its operator';
    const revoked = (await this.accounts.revokeWorker(publicKey, reason ?? `revoked by ${who}`)) as WorkerIdentityEntity;
    // On the embedded NATS the worker is disconnected at once and kept out.
    if (this.config.natsAuthDir) revokeWorker(this.config.natsAuthDir, publicKey);
    return this.identityView(revoked);
  }

  private async identityView(identity: WorkerIdentityEntity): Promise<WorkerIdentityView> {
    const rows = await this.workerRows.withKey(identity.publicKey);
    const reputations = await this.checks.reputationsOf(rows.map((w) => w.id));
    const since = this.clock.now() - this.config.scheduling.leaseTtlMs;
    const workers = rows.map((w) => ({
      id: w.id, name: w.name, connected: w.lastSeenAt >= since, lastSeenAt: new Date(w.lastSeenAt).toISOString(),
      flaggedAt: iso(w.flaggedAt), flagReason: w.flagReason,
      reputations: reputations.filter((r) => r.workerId === w.id).map((r) => ({
        rendererVersion: r.rendererVersion, deviceClass: r.deviceClass, streak: r.consecutiveValid, checkRate: checkProbability(r, this.policy),
        validResults: r.validResults, invalidResults: r.invalidResults, checksRun: r.checksRun,
      })),
    }));
    return { ...identityView(identity), workers };
  }

  /** An account that is a person's (not the mint's or the fees'), or a 404. */
  private async person(id: string): Promise<AccountEntity> {
    const account = await this.accounts.find(id);
    if (!account || account.role === 'system') throw new UnknownAccountError(id);
    return account;
  }

  private async view(account: AccountEntity): Promise<AccountView> {
    return {
      id: account.id, name: account.name, role: account.role, createdAt: new Date(account.createdAt).toISOString(),
      balance: balanceView(await this.ledger.balance(account.id)),
    };
  }
}

function balanceView(balance: Balance): BalanceView {
  return {
    available: balance.available, held: balance.held, pending: balance.pending, total: balance.total,
    availableCredits: formatCredits(balance.available), heldCredits: formatCredits(balance.held), pendingCredits: formatCredits(balance.pending),
  };
}

function keyView(key: ApiKeyEntity): KeyView {
  return { id: key.id, accountId: key.accountId, name: key.name, scopes: key.scopes, createdAt: new Date(key.createdAt).toISOString(), revokedAt: iso(key.revokedAt) };
}

function identityView(identity: WorkerIdentityEntity): Omit<WorkerIdentityView, 'workers'> {
  return {
    publicKey: identity.publicKey, operatorId: identity.operatorId, workerId: identity.workerId, name: identity.name, createdAt: new Date(identity.createdAt).toISOString(),
    revokedAt: iso(identity.revokedAt), revokedReason: identity.revokedReason,
  };
}
