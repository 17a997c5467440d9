import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { registry } from '../observability/index.js';
import { HealthRegistry } from './health-registry.js';

/** Served by every service process: Kubernetes probes and Prometheus scrape each one. */
@ApiTags('operations')
@Controller()
export class OpsController {
  constructor(private readonly health: HealthRegistry) {}

  @Get('health')
  @ApiOperation({ summary: 'Health of the database, the bus and every service running in this process' })
  @ApiOkResponse({ description: 'Everything is up' })
  @ApiServiceUnavailableResponse({ description: 'Something is down; the body says what' })
  async getHealth(@Res() res: Response): Promise<void> {
    const result = await this.health.run();
    res.status(result.ok ? 200 : 503).json({ status: result.ok ? 'ok' : 'degraded', components: result.components });
  }

  @Get('metrics')
  @Header('Content-Type', registry.contentType)
  @ApiOperation({ summary: 'Prometheus metrics' })
  async getMetrics(): Promise<string> {
    return registry.metrics();
  }
}
