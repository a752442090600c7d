import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

/** A NATS NKey user public key: `U` and 55 base32 characters (what `tessera worker init` prints). */
export const WORKER_PUBLIC_KEY = /^U[A-Z2-7]{55}$/;

export class RegisterWorkerDto {
  @ApiProperty({ example: 'UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4', description: 'The public key `tessera worker init` printed.' })
  @IsString()
  @Matches(WORKER_PUBLIC_KEY, { message: 'publicKey must be a worker public key: U followed by 55 characters A-Z and 2-7 (see `tessera worker init`)' })
  publicKey: string;

  @ApiProperty({ example: 'gpu-box-3-1a2b3c4d', description: 'The worker id `tessera worker init` printed: the key may speak for this worker only.' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'workerId must be 1 to 64 characters A-Z, a-z, 0-9, _ and - (see `tessera worker init`)' })
  workerId: string;

  @ApiPropertyOptional({ example: 'gpu-box-3', description: 'A display name (default: the worker id).' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  name?: string;
}

export class RevokeWorkerDto {
  @ApiPropertyOptional({ example: 'machine sold' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class ReputationView {
  @ApiProperty({ example: 'builtin-1.0.0' }) rendererVersion: string;
  @ApiProperty({ example: 'cpu' }) deviceClass: string;
  @ApiProperty({ description: 'Valid results in a row since the first or the last failed check.' }) streak: number;
  @ApiProperty({ description: 'The probability that its next result is spot-checked.' }) checkRate: number;
  @ApiProperty() validResults: number;
  @ApiProperty({ description: 'Results found false by a spot-check.' }) invalidResults: number;
  @ApiProperty({ description: 'Its results that were spot-checked.' }) checksRun: number;
}

export class WorkerStatusView {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'Heartbeats within a lease time.' }) connected: boolean;
  @ApiProperty() lastSeenAt: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'When it was caught cheating, for an admin to review.' }) flaggedAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) flagReason: string | null;
  @ApiProperty({ type: [ReputationView], description: 'Per renderer build and device.' }) reputations: ReputationView[];
}

export class WorkerIdentityView {
  @ApiProperty() publicKey: string;
  @ApiProperty() operatorId: string;
  @ApiProperty() workerId: string;
  @ApiProperty() name: string;
  @ApiProperty() createdAt: string;
  @ApiPropertyOptional({ nullable: true, type: String }) revokedAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) revokedReason: string | null;
  @ApiProperty({ type: [WorkerStatusView], description: 'Workers that registered with this key.' }) workers: WorkerStatusView[];
}

export class WorkersQuery {
  @ApiPropertyOptional({ default: 100, maximum: 500 })
  @IsOptional()
  @Matches(/^\d+$/, { message: 'limit must be a whole number' })
  limit?: string;
}
