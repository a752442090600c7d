import { BadRequestException, Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, ParseIntPipe, Post, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, RequireScope, visibleTo, type Caller } from '../auth/caller';
import type { Response } from 'express';
import { JobEventsStream } from './job-events.stream';
import { JobService } from './job.service';
import { FrameView, JobView, TileView } from './job.view';
import { ListJobsQuery, ListTilesQuery, SubmitJobDto } from './submit-job.dto';

const frameParam = new ParseIntPipe({ exceptionFactory: () => new BadRequestException('frame must be a whole number') });

@ApiTags('jobs')
@ApiBearerAuth()
@Controller('v1/jobs')
export class JobsController {
  constructor(
    private readonly jobs: JobService,
    private readonly eventStream: JobEventsStream,
  ) {}

  @Post()
  @RequireScope('submit')
  @ApiOperation({ summary: 'Submit a job: a scene rendered over frames, split into tiles; its estimate is held in escrow from the balance' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'A repeat with the same key returns the job of the first request.' })
  @ApiResponse({ status: 201, type: JobView })
  @ApiResponse({ status: 200, type: JobView, description: 'Replay of an earlier request with the same Idempotency-Key.' })
  @ApiResponse({ status: 400, description: 'Invalid request; the message says which field and why.' })
  @ApiResponse({ status: 402, description: 'The balance cannot cover the estimate; the message says how much is missing.' })
  @ApiResponse({ status: 422, description: 'Idempotency-Key reused for a different request.' })
  async submit(
    @CurrentCaller() caller: Caller,
    @Body() dto: SubmitJobDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<JobView> {
    const { job, created } = await this.jobs.submit(caller.accountId, dto, idempotencyKey?.slice(0, 255) || undefined);
    response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return job;
  }

  @Get()
  @RequireScope('read')
  @ApiOperation({ summary: "The account's jobs, newest first, a page at a time (`before`: the last id of the previous page); an admin key sees every account's" })
  @ApiResponse({ status: 200, type: [JobView] })
  list(@CurrentCaller() caller: Caller, @Query() query: ListJobsQuery): Promise<JobView[]> {
    return this.jobs.list(visibleTo(caller), Math.min(200, Math.max(1, Number(query.limit ?? 50))), query.state, query.before);
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOperation({ summary: 'A job: state, tiles per state, frames done, timings, errors, cost' })
  @ApiResponse({ status: 200, type: JobView })
  @ApiResponse({ status: 404, description: 'No such job, or not this account\'s.' })
  get(@CurrentCaller() caller: Caller, @Param('id') id: string): Promise<JobView> {
    return this.jobs.get(id, visibleTo(caller));
  }

  @Get(':id/events')
  @RequireScope('read')
  @ApiOperation({
    summary: "A job's progress as server-sent events: a `job` snapshot, then tile.accepted, frame.stitched, check.resolved and job.state; the stream ends with the job",
  })
  @ApiProduces('text/event-stream')
  async events(@CurrentCaller() caller: Caller, @Param('id') id: string, @Res() response: Response): Promise<void> {
    const job = await this.jobs.get(id, visibleTo(caller));
    await this.eventStream.pipe(job.id, () => this.jobs.get(job.id, visibleTo(caller)), response);
  }

  @Post(':id/cancel')
  @RequireScope('submit')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Cancel a job; workers rendering its tiles are told to stop at their next heartbeat' })
  @ApiResponse({ status: 200, type: JobView })
  cancel(@CurrentCaller() caller: Caller, @Param('id') id: string): Promise<JobView> {
    return this.jobs.cancel(id, visibleTo(caller));
  }

  @Get(':id/frames')
  @RequireScope('read')
  @ApiOperation({ summary: 'The frames of a job, with presigned URLs of those stitched' })
  @ApiResponse({ status: 200, type: [FrameView] })
  frames(@CurrentCaller() caller: Caller, @Param('id') id: string): Promise<FrameView[]> {
    return this.jobs.frames(id, visibleTo(caller));
  }

  @Get(':id/frames/:frame')
  @RequireScope('read')
  @ApiOperation({ summary: 'A stitched frame as PNG (streamed), or a redirect to its presigned URL with ?redirect=true' })
  @ApiProduces('image/png')
  @ApiQuery({ name: 'redirect', required: false, enum: ['true', 'false'] })
  @ApiResponse({ status: 409, description: 'The frame is not stitched yet.' })
  frame(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Param('frame', frameParam) frame: number,
    @Query('redirect') redirect: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ) {
    return this.image(caller, id, frame, 'frame', redirect === 'true', response);
  }

  @Get(':id/frames/:frame/thumbnail')
  @RequireScope('read')
  @ApiOperation({ summary: 'The thumbnail of a stitched frame (PNG, 320 px wide at most)' })
  @ApiProduces('image/png')
  thumbnail(@CurrentCaller() caller: Caller, @Param('id') id: string, @Param('frame', frameParam) frame: number, @Res({ passthrough: true }) response: Response) {
    return this.image(caller, id, frame, 'thumbnail', false, response);
  }

  @Get(':id/tiles')
  @RequireScope('read')
  @ApiOperation({ summary: "A job's tiles (frame, region, state, attempts), in frame and tiling order" })
  @ApiResponse({ status: 200, type: [TileView] })
  tiles(@CurrentCaller() caller: Caller, @Param('id') id: string, @Query() query: ListTilesQuery): Promise<TileView[]> {
    return this.jobs.tiles(id, visibleTo(caller), Math.min(1000, Math.max(1, Number(query.limit ?? 100))), Number(query.offset ?? 0));
  }

  @Get(':id/tiles/:tile/log')
  @RequireScope('read')
  @ApiOperation({ summary: "The renderer's output (stdout/stderr, trimmed to 64 KiB) for a tile's latest attempt that wrote one" })
  @ApiProduces('text/plain')
  @ApiResponse({ status: 404, description: 'No such tile, or no log yet.' })
  async tileLog(@CurrentCaller() caller: Caller, @Param('id') id: string, @Param('tile') tile: string, @Res({ passthrough: true }) response: Response): Promise<StreamableFile> {
    const log = await this.jobs.tileLog(id, visibleTo(caller), tile);
    response.setHeader('x-tessera-attempt', String(log.attempt));
    response.setHeader('x-tessera-worker', log.workerId);
    return new StreamableFile(log.stream, { type: 'text/plain; charset=utf-8', length: log.size });
  }

  private async image(caller: Caller, id: string, frame: number, which: 'frame' | 'thumbnail', redirect: boolean, response: Response): Promise<StreamableFile | undefined> {
    const image = await this.jobs.frameImage(id, visibleTo(caller), frame, which);
    if (redirect) {
      image.stream.destroy();
      response.redirect(HttpStatus.FOUND, image.url);
      return undefined;
    }
    return new StreamableFile(image.stream, { type: 'image/png', length: image.size });
  }
}
