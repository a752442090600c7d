import { RendererRegistry, SceneError } from '@tessera/renderers';
import { onPath } from './renderers.fixture';

// Every test starts real renderer processes; on a busy 2-core machine one Blender start takes seconds.
jest.setTimeout(60_000);

describe(RendererRegistry.name, () => {
  it('offers builtin always, and blender and povray where they are installed, with their own versions', async () => {
    const registry = await RendererRegistry.forWorker();
    try {
      const names = registry.list().map((r) => r.name);
      expect(names).toContain('builtin');
      expect(names.includes('blender')).toBe(onPath('blender'));
      expect(names.includes('povray')).toBe(onPath('povray') && onPath('bwrap'));
      if (onPath('blender')) expect(await registry.get('blender').version()).toMatch(/^Blender \d/);
      if (names.includes('povray')) expect(await registry.get('povray').version()).toMatch(/^POV-Ray \d/);
    } finally {
      await registry.close();
    }
  });

  it('treats missing programs as absent, not as errors, and says why', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const registry = RendererRegistry.forScenes();
      expect(registry.list().map((r) => r.name)).toEqual(['builtin']);
      expect(registry.notes).toEqual([
        'blender is not available: no blender executable on PATH (apt-get install blender)',
        'povray is not available: povray executable not found: povray (apt-get install povray)',
      ]);
      expect(() => registry.get('blender')).toThrow(new SceneError('renderer blender is not available here; available: builtin'));
      await registry.close();
    } finally {
      process.env.PATH = path;
    }
  });
});
