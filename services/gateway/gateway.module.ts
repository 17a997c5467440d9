import { Controller, Get, Module, Redirect } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import { AccountConsentController } from './accounts/account-consent.controller.js';
import { AccountsController } from './accounts/accounts.controller.js';
import { BackfillController } from './accounts/backfill.controller.js';
import { AdminAccountsController } from './admin/admin-accounts.controller.js';
import { AdminAuditController } from './admin/admin-audit.controller.js';
import { AdminDeadLettersController } from './admin/admin-dead-letters.controller.js';
import { AdminReportsController } from './admin/admin-reports.controller.js';
import { AccountIdentitiesController } from './accounts/account-identities.controller.js';
import { AccountFollowersController } from './accounts/account-followers.controller.js';
import { AdminSettingsController } from './admin/admin-settings.controller.js';
import { AdminTokensController } from './admin/admin-tokens.controller.js';
import { AdminAuthGuard } from './auth/admin-auth.guard.js';
import { DashboardController } from './dashboard/dashboard.controller.js';
import { StatusHistory } from './dashboard/history/status-history.js';
import { StatusHistoryController } from './dashboard/history/status-history.controller.js';
import { RateLimitGuard } from './rate-limit/rate-limit.guard.js';
import { StatusController } from './status.controller.js';
import { StatusService } from './status.service.js';

/** The root is the dashboard (the API is one click away from it, at /api/docs). */
@ApiExcludeController()
@Controller()
class RootController {
  @Get()
  @Redirect('/dashboard', 302)
  root(): void {}
}

@Module({
  controllers: [StatusController, StatusHistoryController, RootController, DashboardController, AccountsController, AccountConsentController, BackfillController, AdminTokensController, AdminSettingsController, AdminAccountsController, AdminAuditController, AdminDeadLettersController, AdminReportsController, AccountIdentitiesController, AccountFollowersController],
  providers: [StatusService, StatusHistory, AdminAuthGuard, { provide: APP_GUARD, useClass: RateLimitGuard }],
})
export class GatewayModule {}
