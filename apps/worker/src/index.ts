export { workerCommand } from './main';
export { WorkerModule } from './worker.module';
export { WorkerAgent } from './worker.agent';
export { parseNvidiaSmi, detectNvidiaGpus } from './capabilities';
export type { WorkerOptions } from './worker.options';
