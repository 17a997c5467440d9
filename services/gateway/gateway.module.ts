import { Controller, Get, Module, Redirect } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import { AccountsController } from './accounts/accounts.controller.js';
import { AdminAccountsController } from './admin/admin-accounts.controller.js';
import { AdminAuditController } from './admin/admin-audit.controller.js';
import { AdminDeadLettersController } from './admin/admin-dead-letters.controller.js';
import { AdminSettingsController } from './admin/admin-settings.controller.js';
import { AdminTokensController } from './admin/admin-tokens.controller.js';
import { AdminAuthGuard } from './auth/admin-auth.guard.js';
import { RateLimitGuard } from './rate-limit/rate-limit.guard.js';
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

@Module({
  controllers: [StatusController, RootController, AccountsController, AdminTokensController, AdminSettingsController, AdminAccountsController, AdminAuditController, AdminDeadLettersController],
  providers: [StatusService, AdminAuthGuard, { provide: APP_GUARD, useClass: RateLimitGuard }],
})
export class GatewayModule {}
