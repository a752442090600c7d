import type { RendererName } from '@tessera/contracts';
import { BuiltinRenderer } from './builtin/builtin.renderer';
import { SceneError, type Renderer } from './renderer';

/** The renderers available in this process, by name. */
export class RendererRegistry {
  private readonly byName = new Map<RendererName, Renderer>();

  constructor(renderers: Renderer[]) {
    for (const renderer of renderers) this.byName.set(renderer.name, renderer);
  }

  /** Renderers that can read scenes on this host, for checking uploads. */
  static forScenes(): RendererRegistry {
    return new RendererRegistry([new BuiltinRenderer()]);
  }

  /** Renderers a worker on this host can run. */
  static async forWorker(): Promise<RendererRegistry> {
    return new RendererRegistry([new BuiltinRenderer()]);
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
}
