import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@tessera/testing';
import { detectNvidiaGpus, parseNvidiaSmi } from './capabilities';

describe(parseNvidiaSmi.name, () => {
  it('reads one GPU per line', () => {
    const csv = '0, NVIDIA H100 80GB HBM3, 81559, 550.54.15\n1, NVIDIA GeForce RTX 4090, 24564, 550.54.15\n';
    expect(parseNvidiaSmi(csv)).toEqual([
      { index: 0, name: 'NVIDIA H100 80GB HBM3', memoryMiB: 81559, driverVersion: '550.54.15' },
      { index: 1, name: 'NVIDIA GeForce RTX 4090', memoryMiB: 24564, driverVersion: '550.54.15' },
    ]);
  });

  it('skips lines it cannot read (no GPU found, [N/A] memory)', () => {
    expect(parseNvidiaSmi('No devices were found\n')).toEqual([]);
    expect(parseNvidiaSmi('0, Some GPU, [N/A], 1.0\n')).toEqual([]);
    expect(parseNvidiaSmi('')).toEqual([]);
  });
});

describe(detectNvidiaGpus.name, () => {
  it('finds no GPU on a machine without nvidia-smi', async () => {
    expect(await detectNvidiaGpus('/nonexistent/nvidia-smi')).toEqual([]);
  });

  it('finds no GPU when nvidia-smi fails (driver not loaded)', async () => {
    const dir = await tempDir('smi');
    const fake = join(dir.path, 'nvidia-smi');
    await writeFile(fake, '#!/bin/sh\necho "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver." >&2\nexit 9\n');
    await chmod(fake, 0o755);
    expect(await detectNvidiaGpus(fake)).toEqual([]);
    await dir.remove();
  });

  it('reads what nvidia-smi prints', async () => {
    const dir = await tempDir('smi');
    const fake = join(dir.path, 'nvidia-smi');
    await writeFile(fake, '#!/bin/sh\necho "0, NVIDIA A100-SXM4-40GB, 40960, 535.104.05"\n');
    await chmod(fake, 0o755);
    expect(await detectNvidiaGpus(fake)).toEqual([{ index: 0, name: 'NVIDIA A100-SXM4-40GB', memoryMiB: 40960, driverVersion: '535.104.05' }]);
    await dir.remove();
  });
});
