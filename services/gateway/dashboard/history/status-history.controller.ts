import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SAMPLE_EVERY_MS, StatusHistory } from './status-history.js';

@ApiTags('status')
@Controller('api/v1/status/history')
export class StatusHistoryController {
  constructor(private readonly history: StatusHistory) {}

  @Get()
  @ApiOperation({ summary: 'Events in, deliveries and failures per network, and lag per network, sampled every 15 s over the last hour (this gateway since its start)' })
  list() {
    return { sampleEverySeconds: SAMPLE_EVERY_MS / 1000, samples: this.history.samples() };
  }
}
