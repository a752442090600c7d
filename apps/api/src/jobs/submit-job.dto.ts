import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { RENDERER_NAMES, type RendererName } from '@tessera/contracts';

/** The largest frame edge Tessera plans: 16K. */
export const MAX_EDGE = 16384;

export class SubmitJobDto {
  @ApiProperty({ description: 'Id (SHA-256) of an uploaded scene.' })
  @IsString()
  @Matches(/^[0-9a-f]{64}$/, { message: 'sceneId must be the 64-character hex SHA-256 of an uploaded scene' })
  sceneId: string;

  @ApiPropertyOptional({ enum: RENDERER_NAMES, description: "Defaults to the renderer the scene was uploaded for." })
  @IsOptional()
  @IsIn(RENDERER_NAMES)
  renderer?: RendererName;

  @ApiPropertyOptional({ example: '>=3.4', description: 'Renderer versions the job accepts (semver range, matched against the numbers in the version each worker reports); default any.' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  rendererVersion?: string;

  @ApiPropertyOptional({ example: '1-24', description: 'Frames: `7`, `1-24`, `1,5,9-12`. Defaults to the scene\'s range.' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  frames?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_EDGE, description: "Defaults to the scene's width." })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_EDGE)
  width?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_EDGE, description: "Defaults to the scene's height." })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_EDGE)
  height?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 65536, description: "Samples per pixel. Defaults to the scene's." })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65536)
  samples?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 4294967295, default: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(4294967295)
  seed?: number;

  @ApiPropertyOptional({ example: '4x3', default: 'auto', description: '`COLSxROWS` or `auto`.' })
  @IsOptional()
  @IsString()
  @MaxLength(16)
  tiles?: string;

  @ApiPropertyOptional({ enum: ['png'], default: 'png' })
  @IsOptional()
  @IsIn(['png'])
  format?: 'png';

  @ApiPropertyOptional({ enum: [8, 16], default: 8 })
  @IsOptional()
  @IsIn([8, 16])
  bitDepth?: 8 | 16;

  @ApiPropertyOptional({ minimum: -100, maximum: 100, default: 0, description: 'Higher runs first.' })
  @IsOptional()
  @IsInt()
  @Min(-100)
  @Max(100)
  priority?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 20, default: 3, description: 'Failed renders of one tile before the job fails.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(20)
  maxAttempts?: number;
}

export class ListJobsQuery {
  @ApiPropertyOptional({ enum: ['queued', 'running', 'completed', 'failed', 'cancelled'] })
  @IsOptional()
  @IsIn(['queued', 'running', 'completed', 'failed', 'cancelled'])
  state?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Matches(/^\d+$/, { message: 'limit must be a whole number' })
  limit?: string;

  @ApiPropertyOptional({ description: 'The id of the last job of the previous page: the next page starts after it.' })
  @IsOptional()
  @Matches(/^[0-9a-f-]{36}$/, { message: 'before must be the id of a job (from the previous page)' })
  before?: string;
}

export class ListTilesQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Matches(/^\d+$/, { message: 'limit must be a whole number' })
  limit?: string;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Matches(/^\d+$/, { message: 'offset must be a whole number' })
  offset?: string;
}
