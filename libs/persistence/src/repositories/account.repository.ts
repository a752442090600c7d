import { EntityManager, IsNull } from 'typeorm';
import { Clock, generateApiKey, grantableScopes, parseApiKey, secretMatches, SystemClock, UnknownAccountError, WorkerKeyTakenError, type AccountRole, type Scope } from '@tessera/domain';
import { Database } from '../database';
import { AccountEntity, ApiKeyEntity, WorkerEntity, WorkerIdentityEntity } from '../entities';
import { LedgerRepository } from './ledger.repository';

export interface Caller {
  account: AccountEntity;
  key: ApiKeyEntity;
}

/**
 * Accounts, their API keys and their workers' identities: who is calling, what they may do, and whom a
 * worker's tiles pay. Balances are not here: they are the ledger's (LedgerRepository).
 */
export class AccountRepository {
  constructor(
    private readonly db: Database,
    private readonly ledger: LedgerRepository,
    private readonly clock: Clock = new SystemClock(),
  ) {}

  open(account: { id?: string; name: string; role: AccountRole }, manager: EntityManager = this.db.manager): Promise<AccountEntity> {
    return this.ledger.openAccount(manager, account);
  }

  find(id: string): Promise<AccountEntity | null> {
    return this.db.manager.findOneBy(AccountEntity, { id });
  }

  list(limit: number): Promise<AccountEntity[]> {
    return this.db.manager.find(AccountEntity, { order: { createdAt: 'DESC', id: 'ASC' }, take: limit });
  }

  /** A new key for the account; the returned `key` is the only time the whole key exists outside its owner. */
  async issueKey(accountId: string, name: string, scopes: readonly string[], manager: EntityManager = this.db.manager): Promise<{ key: string; record: ApiKeyEntity }> {
    const account = await manager.findOneBy(AccountEntity, { id: accountId });
    if (!account || account.role === 'system') throw new UnknownAccountError(accountId, account ? 'a system account holds no keys' : undefined);
    const { id, key, secretHash } = generateApiKey();
    const record = Object.assign(new ApiKeyEntity(), {
      id, accountId, name, scopes: grantableScopes(account.role, scopes), secretHash, createdAt: this.clock.now(), revokedAt: null,
    });
    await manager.insert(ApiKeyEntity, record);
    return { key, record };
  }

  /** The account and key behind a presented key, or null for anything not a live key of ours. */
  async authenticate(presented: string): Promise<Caller | null> {
    const parsed = parseApiKey(presented);
    if (!parsed) return null;
    const key = await this.db.manager.findOneBy(ApiKeyEntity, { id: parsed.id, revokedAt: IsNull() });
    if (!key || !secretMatches(parsed.secret, key.secretHash)) return null;
    const account = await this.db.manager.findOneByOrFail(AccountEntity, { id: key.accountId });
    return { account, key };
  }

  keys(accountId: string): Promise<ApiKeyEntity[]> {
    return this.db.manager.find(ApiKeyEntity, { where: { accountId }, order: { createdAt: 'DESC', id: 'ASC' } });
  }

  key(id: string): Promise<ApiKeyEntity | null> {
    return this.db.manager.findOneBy(ApiKeyEntity, { id });
  }

  /** Revokes a key; revoking it again changes nothing. Returns the key as it now is. */
  async revokeKey(id: string): Promise<ApiKeyEntity | null> {
    return this.db.transaction(async (manager) => {
      await manager.update(ApiKeyEntity, { id, revokedAt: IsNull() }, { revokedAt: this.clock.now() });
      return manager.findOneBy(ApiKeyEntity, { id });
    });
  }

  // --- worker identities ------------------------------------------------------------------------------------

  /**
   * An operator registers a worker's public key. A key belongs to one operator for good: registering it again
   * by the same operator renames it (and lifts nothing: a revoked key stays revoked); by another, it is refused
   * (without saying whose it is).
   */
  async registerWorker(operatorId: string, publicKey: string, workerId: string, name: string): Promise<{ identity: WorkerIdentityEntity; created: boolean }> {
    return this.db.transaction(async (manager) => {
      const existing = await manager.findOneBy(WorkerIdentityEntity, { publicKey });
      if (existing) {
        if (existing.operatorId !== operatorId) throw new WorkerKeyTakenError(`worker key ${publicKey} is registered by another operator`);
        await manager.update(WorkerIdentityEntity, { publicKey }, { name, workerId });
        return { identity: { ...existing, name, workerId }, created: false };
      }
      const identity = Object.assign(new WorkerIdentityEntity(), { publicKey, operatorId, workerId, name, createdAt: this.clock.now(), revokedAt: null, revokedReason: null });
      await manager.insert(WorkerIdentityEntity, identity);
      // A worker already running under this key is paid from its next accepted tile on.
      await manager.update(WorkerEntity, { publicKey }, { operatorId });
      return { identity, created: true };
    });
  }

  workerIdentity(publicKey: string, manager: EntityManager = this.db.manager): Promise<WorkerIdentityEntity | null> {
    return manager.findOneBy(WorkerIdentityEntity, { publicKey });
  }

  /** Registered workers, newest first: one operator's, or everyone's (null, for an admin). */
  workerIdentities(operatorId: string | null, limit: number): Promise<WorkerIdentityEntity[]> {
    return this.db.manager.find(WorkerIdentityEntity, {
      where: operatorId === null ? {} : { operatorId },
      order: { createdAt: 'DESC', publicKey: 'ASC' },
      take: limit,
    });
  }

  /** Revokes a worker's key: a worker running under it is paid nothing from now on. */
  async revokeWorker(publicKey: string, reason: string): Promise<WorkerIdentityEntity | null> {
    return this.db.transaction(async (manager) => {
      await manager.update(WorkerIdentityEntity, { publicKey, revokedAt: IsNull() }, { revokedAt: this.clock.now(), revokedReason: reason });
      await manager.update(WorkerEntity, { publicKey }, { operatorId: null });
      return manager.findOneBy(WorkerIdentityEntity, { publicKey });
    });
  }

  /** The operator paid for a worker's tiles: its identity's, while the identity is registered and not revoked. */
  async payeeOf(publicKey: string | null | undefined, manager: EntityManager = this.db.manager): Promise<string | null> {
    if (!publicKey) return null;
    const identity = await manager.findOneBy(WorkerIdentityEntity, { publicKey, revokedAt: IsNull() });
    return identity?.operatorId ?? null;
  }
}

export type { Scope };
