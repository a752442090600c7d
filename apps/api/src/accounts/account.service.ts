import { Injectable } from '@nestjs/common';
import { formatCredits, parseCredits, ScopeError, UnknownAccountError, type AccountRole } from '@tessera/domain';
import { AccountEntity, AccountRepository, ApiKeyEntity, LedgerRepository, WorkerIdentityEntity, type Balance } from '@tessera/persistence';
import { NotFoundError } from '../api.errors';
import { isAdmin, type Caller } from '../auth/caller';
import type { AccountView, BalanceView, CreditView, EarningsView, KeyView, LedgerLineView, MeView, NewKeyView } from './account.dto';
import type { WorkerIdentityView } from './worker.dto';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Accounts, their keys, balances and statements, and operators' workers, as the API shows them. */
@Injectable()
export class AccountService {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly ledger: LedgerRepository,
  ) {}

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

  async registerWorker(operatorId: string, publicKey: string, name: string): Promise<{ worker: WorkerIdentityView; created: boolean }> {
    const { identity, created } = await this.accounts.registerWorker(operatorId, publicKey, name);
    return { worker: identityView(identity), created };
  }

  async workers(caller: Caller, limit: number): Promise<WorkerIdentityView[]> {
    return (await this.accounts.workerIdentities(isAdmin(caller) ? null : caller.accountId, limit)).map(identityView);
  }

  async revokeWorker(caller: Caller, publicKey: string, reason: string | undefined): Promise<WorkerIdentityView> {
    const identity = await this.accounts.workerIdentity(publicKey);
    if (!identity || (identity.operatorId !== caller.accountId && !isAdmin(caller))) throw new NotFoundError(`no worker ${publicKey}`);
    const who = isAdmin(caller) && identity.operatorId !== caller.accountId ? 'an admin' : 'its operator';
    return identityView((await this.accounts.revokeWorker(publicKey, reason ?? `revoked by ${who}`)) as WorkerIdentityEntity);
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

function identityView(identity: WorkerIdentityEntity): WorkerIdentityView {
  return {
    publicKey: identity.publicKey, operatorId: identity.operatorId, name: identity.name, createdAt: new Date(identity.createdAt).toISOString(),
    revokedAt: iso(identity.revokedAt), revokedReason: identity.revokedReason,
  };
}
