import { MoreThanOrEqual, Not } from 'typeorm';
import { Database } from '../database';
import { WorkerEntity } from '../entities';

export class WorkerRepository {
  constructor(private readonly db: Database) {}

  findById(id: string): Promise<WorkerEntity | null> {
    return this.db.manager.findOneBy(WorkerEntity, { id });
  }

  /** Records a worker's registration; a flag it carries (caught cheating) stays until an admin clears it. */
  async register(worker: Pick<WorkerEntity, 'id' | 'name' | 'capabilities' | 'operatorId' | 'lastSeenAt'>, now: number): Promise<WorkerEntity> {
    return this.db.transaction(async (manager) => {
      const existing = await manager.findOneBy(WorkerEntity, { id: worker.id });
      const record: WorkerEntity = {
        ...worker, flaggedAt: existing?.flaggedAt ?? null, flagReason: existing?.flagReason ?? null, registeredAt: existing?.registeredAt ?? now, lastSeenAt: now,
      };
      if (existing) await manager.update(WorkerEntity, { id: worker.id }, record);
      else await manager.insert(WorkerEntity, record);
      return record;
    });
  }

  async touch(id: string, now: number): Promise<void> {
    await this.db.transaction((manager) => manager.update(WorkerEntity, { id }, { lastSeenAt: now }));
  }

  /** Whether a worker other than `workerId` has been heard from since `since`: someone to check its work. */
  async anotherConnected(workerId: string, since: number): Promise<boolean> {
    return (await this.db.manager.countBy(WorkerEntity, { id: Not(workerId), lastSeenAt: MoreThanOrEqual(since) })) > 0;
  }

  /** The workers that registered with a key. */
  withKey(publicKey: string): Promise<WorkerEntity[]> {
    return this.db.manager.find(WorkerEntity, { where: { publicKey }, order: { lastSeenAt: 'DESC' } });
  }

  list(): Promise<WorkerEntity[]> {
    return this.db.manager.find(WorkerEntity, { order: { lastSeenAt: 'DESC' } });
  }
}
