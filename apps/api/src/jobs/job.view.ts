import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class TileCountsView {
  @ApiProperty() total: number;
  @ApiProperty() pending: number;
  @ApiProperty() leased: number;
  @ApiProperty() accepted: number;
  @ApiProperty() failed: number;
  @ApiProperty() cancelled: number;
}

export class JobTimingsView {
  @ApiProperty() createdAt: string;
  @ApiPropertyOptional({ nullable: true, type: String }) startedAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) finishedAt: string | null;
  @ApiProperty({ description: 'From submission to the end, or to now while it runs.' }) elapsedSeconds: number;
}

export class JobErrorView {
  @ApiProperty() tileId: string;
  @ApiProperty() leaseId: string;
  @ApiProperty() workerId: string;
  @ApiProperty() message: string;
  @ApiPropertyOptional({ nullable: true, type: String }) at: string | null;
}

/** Micro-credits as integers (exact), and the same amounts as decimal credits for people. */
export class JobCostView {
  @ApiProperty({ description: 'Held in escrow at submission: the tiles\' price plus the verification allowance (micro-credits).' }) held: number;
  @ApiProperty({ description: 'Spent so far: tiles paid and spot-checks charged to the allowance (micro-credits).' }) spent: number;
  @ApiProperty({ description: 'Returned to the balance at settlement (micro-credits).' }) refunded: number;
  @ApiProperty({ description: 'Settled: the job ended, its earnings released and the rest refunded.' }) settled: boolean;
  @ApiProperty({ example: '0.265420' }) heldCredits: string;
  @ApiProperty({ example: '0.241291' }) spentCredits: string;
  @ApiProperty({ example: '0.024129' }) refundedCredits: string;
  @ApiProperty({ description: 'The price the job was submitted at: micro-credits per million samples.' }) ratePerMegasample: number;
}

export class JobChecksView {
  @ApiProperty({ description: 'Spot-checks waiting for their renders (they hold their frames back).' }) open: number;
  @ApiProperty({ description: 'The check agreed with the original (or arbitration sided with it).' }) passed: number;
  @ApiProperty({ description: 'The original lost: its worker was penalised and its unverified tiles rendered again.' }) failed: number;
  @ApiProperty({ description: 'The checking worker lost the arbitration and was penalised.' }) checkerFailed: number;
  @ApiProperty({ description: 'No majority: the tile was rendered again, nobody penalised.' }) inconclusive: number;
  @ApiProperty({ description: 'Dropped: no worker could take it in time, or its tile was rejected anyway.' }) abandoned: number;
  @ApiProperty({ description: 'Checks that needed a third render.' }) arbitrated: number;
}

export class JobView {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['queued', 'running', 'completed', 'failed', 'cancelled'] }) state: string;
  @ApiProperty() sceneId: string;
  @ApiProperty() renderer: string;
  @ApiPropertyOptional({ nullable: true, type: String, example: '>=3.4', description: 'The renderer versions the job accepts; null: any.' })
  rendererVersion: string | null;
  @ApiProperty({ example: '1-24' }) frames: string;
  @ApiProperty() frameCount: number;
  @ApiProperty() framesDone: number;
  @ApiProperty() width: number;
  @ApiProperty() height: number;
  @ApiProperty() samples: number;
  @ApiProperty() seed: number;
  @ApiProperty({ example: '3x3' }) tiling: string;
  @ApiProperty({ enum: ['png'] }) format: string;
  @ApiProperty({ enum: [8, 16] }) bitDepth: number;
  @ApiProperty() priority: number;
  @ApiProperty() maxAttempts: number;
  @ApiProperty({ type: TileCountsView }) tiles: TileCountsView;
  @ApiProperty({ type: JobTimingsView }) timings: JobTimingsView;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Why the job failed.' }) error: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Why a queued job has not started, e.g. no connected worker can run its renderer.' })
  waitingFor: string | null;
  @ApiProperty({ type: [JobErrorView], description: 'The latest failed or rejected renders.' }) errors: JobErrorView[];
  @ApiProperty({ type: JobChecksView, description: "Spot-checks of the job's tiles (docs/verification.md)." }) checks: JobChecksView;
  @ApiPropertyOptional({ nullable: true, type: JobCostView, description: 'What the job costs; null for a job recorded before accounts existed.' })
  cost: JobCostView | null;
}

export class FrameView {
  @ApiProperty() frame: number;
  @ApiProperty({ enum: ['pending', 'stitching', 'done', 'cancelled'] }) state: string;
  @ApiProperty() tilesAccepted: number;
  @ApiProperty() tilesTotal: number;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Presigned GET of the stitched PNG, when done.' }) url: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Presigned GET of the thumbnail, when done.' }) thumbnailUrl: string | null;
}

export class TileView {
  @ApiProperty() id: string;
  @ApiProperty() frame: number;
  @ApiProperty({ description: 'Row-major position in the tiling.' }) index: number;
  @ApiProperty() x: number;
  @ApiProperty() y: number;
  @ApiProperty() width: number;
  @ApiProperty() height: number;
  @ApiProperty({ enum: ['pending', 'leased', 'accepted', 'failed', 'cancelled'] }) state: string;
  @ApiProperty({ description: 'Leases granted so far.' }) attempts: number;
  @ApiProperty() failures: number;
  @ApiPropertyOptional({ nullable: true, type: String }) error: string | null;
}
