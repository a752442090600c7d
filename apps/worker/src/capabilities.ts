import { execFile } from 'node:child_process';
import { availableParallelism, totalmem } from 'node:os';
import { promisify } from 'node:util';
import type { Capabilities, Gpu } from '@tessera/contracts';
import type { RendererRegistry } from '@tessera/renderers';

const run = promisify(execFile);

/**
 * Asks `nvidia-smi` for the GPUs of this machine. No nvidia-smi (a CPU-only machine) or an error from it
 * means no GPUs: a worker never requires one.
 */
export async function detectNvidiaGpus(binary = 'nvidia-smi'): Promise<Gpu[]> {
  try {
    const { stdout } = await run(binary, ['--query-gpu=index,name,memory.total,driver_version', '--format=csv,noheader,nounits'], {
      timeout: 10_000,
    });
    return parseNvidiaSmi(stdout);
  } catch {
    return [];
  }
}

/** Parses `nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(csv: string): Gpu[] {
  return csv
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => line.split(',').map((field) => field.trim()))
    .filter((fields) => fields.length === 4 && /^\d+$/.test(fields[0]) && /^\d+$/.test(fields[2]))
    .map(([index, name, memory, driver]) => ({ index: Number(index), name, memoryMiB: Number(memory), driverVersion: driver }));
}

export async function detectCapabilities(renderers: RendererRegistry, slots: number): Promise<Capabilities> {
  return {
    renderers: await Promise.all(renderers.list().map(async (r) => ({ name: r.name, version: await r.version() }))),
    cpuCores: availableParallelism(),
    memoryMiB: Math.floor(totalmem() / 1024 / 1024),
    gpus: await detectNvidiaGpus(),
    slots,
  };
}
