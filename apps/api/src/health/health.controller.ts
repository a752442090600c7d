import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { NATS_CONNECTION, type NatsConnection } from '@tessera/messaging';
import { Database } from '@tessera/persistence';
import { ObjectStorage } from '@tessera/storage';
import { Public } from '../auth/caller';

/** Liveness of the API and of what it stands on; 503 when any part is down. */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly db: Database,
    private readonly storage: ObjectStorage,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Health of the API, the database, object storage and NATS' })
  async health(@Res({ passthrough: true }) response: Response) {
    const checks = {
      database: await this.db.manager.query('SELECT 1').then(() => 'up', () => 'down'),
      storage: await this.storage.headObject('health/probe').then(() => 'up', () => 'down'),
      nats: this.nc.isClosed() ? 'down' : 'up',
    };
    const ok = Object.values(checks).every((v) => v === 'up');
    response.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ok ? 'ok' : 'degraded', checks };
  }
}
