import { join } from 'node:path';
import type { RendererName } from '@tessera/contracts';
import { BlenderRenderer, type BlenderRendererOptions } from './blender/blender.renderer';
import { BuiltinRenderer } from './builtin/builtin.renderer';
import { PovrayRenderer, type PovrayRendererOptions } from './povray/povray.renderer';
import { SceneError, type Renderer } from './renderer';

/** How the registry builds the external renderers; every field is optional. */
export interface RendererRegistryOptions {
  /** Each renderer works under `<workDir>/<name>` (prepared scenes, tile outputs); default: temporary dirs. */
  workDir?: string;
  blender?: BlenderRendererOptions;
  povray?: PovrayRendererOptions;
}

/**
 * The renderers available in this process, by name. The builtin renderer is always there; Blender and
 * POV-Ray are there when their programs are installed (and, for POV-Ray, when it can be sandboxed). A
 * missing program is not an error: the worker advertises what it has, and `notes` say what it lacks and
 * why, for the log.
 */
export class RendererRegistry {
  private readonly byName = new Map<RendererName, Renderer>();

  constructor(
    renderers: Renderer[],
    readonly notes: string[] = [],
  ) {
    for (const renderer of renderers) this.byName.set(renderer.name, renderer);
  }

  /** Renderers that can read scenes on this host, for checking uploads. */
  static forScenes(options: RendererRegistryOptions = {}): RendererRegistry {
    // Inspection starts one process per upload: warm sessions would only hold memory.
    return RendererRegistry.detect({ ...options, blender: { mode: 'cold', ...options.blender } });
  }

  /** Renderers a worker on this host can run. */
  static async forWorker(options: RendererRegistryOptions = {}): Promise<RendererRegistry> {
    return RendererRegistry.detect(options);
  }

  private static detect(options: RendererRegistryOptions): RendererRegistry {
    const renderers: Renderer[] = [new BuiltinRenderer()];
    const notes: string[] = [];
    const workDir = (name: string) => (options.workDir ? join(options.workDir, name) : undefined);
    const blender = BlenderRenderer.detect({ workDir: workDir('blender'), ...options.blender });
    if (blender) {
      renderers.push(blender);
      if (blender.sandboxNote) notes.push(`blender runs without the bubblewrap sandbox (autoexec stays off): ${blender.sandboxNote}`);
    } else {
      notes.push('blender is not available: no blender executable on PATH (apt-get install blender)');
    }
    const povray = PovrayRenderer.detect({ workDir: workDir('povray'), ...options.povray });
    if (povray.renderer) renderers.push(povray.renderer);
    else notes.push(`povray is not available: ${povray.reason}`);
    return new RendererRegistry(renderers, notes);
  }

  /** Throws SceneError (a 4xx at upload) when the renderer is not available here. */
  get(name: RendererName): Renderer {
    const renderer = this.byName.get(name);
    if (!renderer) {
      throw new SceneError(`renderer ${name} is not available here; available: ${[...this.byName.keys()].join(', ')}`);
    }
    return renderer;
  }

  list(): Renderer[] {
    return [...this.byName.values()];
  }

  /** Stops every renderer process (warm Blender sessions, running renders). Call it on shutdown. */
  async close(): Promise<void> {
    await Promise.all(this.list().map((renderer) => renderer.close?.()));
  }
}
