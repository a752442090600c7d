import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

/** A NATS NKey user public key: `U` and 55 base32 characters (what `tessera worker init` prints). */
export const WORKER_PUBLIC_KEY = /^U[A-Z2-7]{55}$/;

export class RegisterWorkerDto {
  @ApiProperty({ example: 'UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4', description: 'The public key `tessera worker init` printed.' })
  @IsString()
  @Matches(WORKER_PUBLIC_KEY, { message: 'publicKey must be a worker public key: U followed by 55 characters A-Z and 2-7 (see `tessera worker init`)' })
  publicKey: string;

  @ApiProperty({ example: 'gpu-box-3' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  name: string;
}

export class RevokeWorkerDto {
  @ApiPropertyOptional({ example: 'machine sold' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class WorkerIdentityView {
  @ApiProperty() publicKey: string;
  @ApiProperty() operatorId: string;
  @ApiProperty() name: string;
  @ApiProperty() createdAt: string;
  @ApiPropertyOptional({ nullable: true, type: String }) revokedAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) revokedReason: string | null;
}

export class WorkersQuery {
  @ApiPropertyOptional({ default: 100, maximum: 500 })
  @IsOptional()
  @Matches(/^\d+$/, { message: 'limit must be a whole number' })
  limit?: string;
}
