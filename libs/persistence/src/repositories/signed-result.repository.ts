import { randomUUID } from 'node:crypto';
import { Database } from '../database';
import { RejectedResultEntity, WorkerEntity, type ResultRejectionReason } from '../entities';

export interface ResultRejection {
  workerId: string;
  leaseId: string | null;
  subject: string;
  reason: ResultRejectionReason;
  detail: string;
  receivedAt: number;
}

/** The keys workers sign results with, and the results refused for their signature, lease or repetition. */
export class SignedResultRepository {
  constructor(private readonly db: Database) {}

  /** Records the key a registered worker signs with; returns the key it had before (null if none). */
  recordPublicKey(workerId: string, publicKey: string): Promise<string | null> {
    return this.db.transaction(async (manager) => {
      const worker = await manager.findOneBy(WorkerEntity, { id: workerId });
      if (!worker) throw new Error(`worker ${workerId} is not registered`);
      if (worker.publicKey !== publicKey) await manager.update(WorkerEntity, { id: workerId }, { publicKey });
      return worker.publicKey ?? null;
    });
  }

  async publicKeyOf(workerId: string): Promise<string | null> {
    const worker = await this.db.manager.findOneBy(WorkerEntity, { id: workerId });
    return worker?.publicKey ?? null;
  }

  async reject(rejection: ResultRejection): Promise<void> {
    await this.db.transaction((manager) => manager.insert(RejectedResultEntity, { id: randomUUID(), ...rejection }));
  }

  /** Refused results, newest first; of one worker, of one lease, or all. */
  rejections(filter: { workerId?: string; leaseId?: string } = {}): Promise<RejectedResultEntity[]> {
    return this.db.manager.find(RejectedResultEntity, { where: { ...filter }, order: { receivedAt: 'DESC' } });
  }
}
