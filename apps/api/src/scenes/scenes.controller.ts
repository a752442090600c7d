import { Controller, Get, HttpStatus, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, RequireScope, visibleTo, type Caller } from '../auth/caller';
import type { Request, Response } from 'express';
import { SceneService } from './scene.service';
import { SceneView, UploadSceneQuery } from './scene.dto';

@ApiTags('scenes')
@ApiBearerAuth()
@Controller('v1/scenes')
export class ScenesController {
  constructor(private readonly scenes: SceneService) {}

  @Post()
  @RequireScope('submit')
  @ApiOperation({ summary: 'Upload a scene (the raw file as the request body, streamed)' })
  @ApiConsumes('application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiResponse({ status: 201, type: SceneView, description: 'Stored.' })
  @ApiResponse({ status: 200, type: SceneView, description: 'This account uploaded the same bytes before.' })
  @ApiResponse({ status: 413, description: 'Larger than MAX_SCENE_BYTES.' })
  @ApiResponse({ status: 422, description: 'The renderer cannot read the scene; the message says why.' })
  async upload(@CurrentCaller() caller: Caller, @Query() query: UploadSceneQuery, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<SceneView> {
    const length = request.headers['content-length'];
    const { scene, created } = await this.scenes.upload(caller.accountId, request, {
      renderer: query.renderer ?? 'builtin',
      name: query.name,
      contentLength: length === undefined ? undefined : Number(length),
    });
    response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return scene;
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOperation({ summary: 'A scene and what its renderer read from it' })
  @ApiResponse({ status: 200, type: SceneView })
  @ApiResponse({ status: 404, description: 'No such scene, or not this account\'s.' })
  get(@CurrentCaller() caller: Caller, @Param('id') id: string): Promise<SceneView> {
    return this.scenes.get(id, visibleTo(caller));
  }
}
