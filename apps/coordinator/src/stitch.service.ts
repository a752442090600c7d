import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { TesseraConfig } from '@tessera/contracts';
import { Clock } from '@tessera/domain';
import { stitch, thumbnail } from '@tessera/imaging';
import { FrameRepository, JobRepository } from '@tessera/persistence';
import { ObjectStorage } from '@tessera/storage';
import { JobEventsPublisher } from './job-events.publisher';
import { TESSERA_CONFIG } from '@tessera/runtime';

export function frameOutputKey(jobId: string, frame: number): string {
  return `jobs/${jobId}/frames/${String(frame).padStart(4, '0')}.png`;
}

export function thumbnailKey(jobId: string, frame: number): string {
  return `jobs/${jobId}/thumbnails/${String(frame).padStart(4, '0')}.png`;
}

/** Composes a frame from its accepted tiles once the last one is in, and completes the job after its last frame. */
@Injectable()
export class StitchService implements OnApplicationShutdown {
  private readonly logger = new Logger(StitchService.name);
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    @Inject(TESSERA_CONFIG) private readonly config: TesseraConfig,
    private readonly clock: Clock,
    private readonly frames: FrameRepository,
    private readonly jobs: JobRepository,
    private readonly storage: ObjectStorage,
    private readonly events: JobEventsPublisher,
  ) {}

  /** Stitching must not hold up the results consumer; a stitch lost here is picked up by the sweeper. */
  stitchInBackground(frameId: string): void {
    const run = this.stitch(frameId).then(
      () => undefined,
      (error: Error) => this.logger.error(`stitching frame ${frameId} failed: ${error.message}`),
    );
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  /** Returns false when another stitch holds the frame or it is done already. */
  async stitch(frameId: string): Promise<boolean> {
    const now = this.clock.now();
    if (!(await this.frames.claimStitch(frameId, now, now - this.config.scheduling.stitchStaleMs))) return false;
    try {
      const tiles = await this.frames.acceptedTiles(frameId);
      const first = tiles[0];
      if (!first) throw new Error(`frame ${frameId} has no accepted tiles`);
      const job = await this.jobs.findById(first.jobId);
      if (!job) throw new Error(`job ${first.jobId} is gone`);
      const inputs = await Promise.all(
        tiles.map(async (tile) => ({
          region: { x: tile.x, y: tile.y, width: tile.width, height: tile.height },
          png: await this.storage.getBuffer(tile.outputKey as string),
        })),
      );
      const png = await stitch({ width: job.width, height: job.height, bitDepth: job.bitDepth as 8 | 16, tiles: inputs });
      const output = frameOutputKey(job.id, first.frame);
      const thumb = thumbnailKey(job.id, first.frame);
      await this.storage.putObject(output, png, { contentType: 'image/png', contentLength: png.length });
      const small = await thumbnail(png);
      await this.storage.putObject(thumb, small, { contentType: 'image/png', contentLength: small.length });
      const outcome = await this.frames.markStitched(frameId, output, thumb, this.clock.now());
      this.events.publish({ type: 'frame.stitched', jobId: job.id, frame: first.frame });
      this.logger.log(`job ${job.id} frame ${first.frame} stitched from ${tiles.length} tiles`);
      if (outcome.jobCompleted) {
        this.events.publish({ type: 'job.state', jobId: job.id, state: 'completed' });
        this.logger.log(`job ${job.id} completed`);
      }
      return true;
    } catch (error) {
      await this.frames.releaseStitch(frameId);
      throw error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.inFlight);
  }
}
