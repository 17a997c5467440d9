import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { StatusService, type BridgeStatus } from './status.service.js';

@ApiTags('status')
@Controller('api/v1')
export class StatusController {
  constructor(private readonly status: StatusService) {}

  @Get('status')
  @ApiOperation({ summary: 'Networks, accounts bridged, events in and out, consumer lag and dead letters' })
  @ApiOkResponse({ description: 'The bridge status document' })
  async getStatus(): Promise<BridgeStatus> {
    return this.status.status();
  }
}
