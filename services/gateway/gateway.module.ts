import { Controller, Get, Module, Redirect } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { StatusController } from './status.controller.js';
import { StatusService } from './status.service.js';

/** Until the dashboard lands (issue 7), the root points people at the API. */
@ApiExcludeController()
@Controller()
class RootController {
  @Get()
  @Redirect('/api/docs', 302)
  root(): void {}
}

@Module({ controllers: [StatusController, RootController], providers: [StatusService] })
export class GatewayModule {}
