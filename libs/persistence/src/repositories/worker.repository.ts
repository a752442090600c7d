import { Database } from '../database';
import { WorkerEntity } from '../entities';

export class WorkerRepository {
  constructor(private readonly db: Database) {}

  findById(id: string): Promise<WorkerEntity | null> {
    return this.db.manager.findOneBy(WorkerEntity, { id });
  }

  async register(worker: Omit<WorkerEntity, 'registeredAt'>, now: number): Promise<WorkerEntity> {
    return this.db.transaction(async (manager) => {
      const existing = await manager.findOneBy(WorkerEntity, { id: worker.id });
      const record: WorkerEntity = { ...worker, registeredAt: existing?.registeredAt ?? now, lastSeenAt: now };
      if (existing) await manager.update(WorkerEntity, { id: worker.id }, record);
      else await manager.insert(WorkerEntity, record);
      return record;
    });
  }

  async touch(id: string, now: number): Promise<void> {
    await this.db.transaction((manager) => manager.update(WorkerEntity, { id }, { lastSeenAt: now }));
  }

  list(): Promise<WorkerEntity[]> {
    return this.db.manager.find(WorkerEntity, { order: { lastSeenAt: 'DESC' } });
  }
}
