import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { RENDERER_NAMES, type RendererName } from '@tessera/contracts';

export class UploadSceneQuery {
  @ApiPropertyOptional({ enum: RENDERER_NAMES, default: 'builtin', description: 'The renderer that must be able to read the scene.' })
  @IsOptional()
  @IsIn(RENDERER_NAMES)
  renderer?: RendererName;

  @ApiPropertyOptional({ example: 'orbit.scene.json', description: 'A display name; the scene is identified by its SHA-256.' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Matches(/^[^/\\\0]+$/, { message: 'name must be a file name without slashes' })
  name?: string;
}

export class SceneInfoView {
  @ApiProperty() frameStart: number;
  @ApiProperty() frameEnd: number;
  @ApiProperty() width: number;
  @ApiProperty() height: number;
  @ApiProperty() samples: number;
  @ApiProperty({ type: [String] }) notes: string[];
  @ApiPropertyOptional({ type: [String], description: 'External files the scene references that are not in the upload.' })
  missingFiles?: string[];
}

export class SceneView {
  @ApiProperty({ description: 'SHA-256 of the scene bytes, hex.' }) id: string;
  @ApiProperty({ enum: RENDERER_NAMES }) renderer: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'Bytes.' }) size: number;
  @ApiProperty({ type: SceneInfoView, description: 'What the renderer read from the scene: the defaults of a job on it.' }) info: SceneInfoView;
  @ApiProperty() createdAt: string;
}
