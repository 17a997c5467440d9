import { BadRequestException, Body, Controller, Get, Inject, Patch, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { DataSource } from 'typeorm';
import { NETWORKS } from '../../../libs/events/index.js';
import { DATA_SOURCE } from '../../../libs/platform/tokens.js';
import { loadSettings, SettingsError, updateSettings, type SettingsPatch } from '../../../libs/store/index.js';
import { AdminAuthGuard, principal, RequireRole, type AdminRequest } from '../auth/admin-auth.guard.js';
import { body } from '../http/input.js';

const PATCH_FIELDS = ['networks', 'blockedDomains', 'allowedDomains', 'defaultConsent'] as const;

/**
 * The bridge-wide switches. The translator caches them briefly (TranslatorOptions.policyTtlMs),
 * so a change reaches events a few seconds later, never retroactively.
 */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('api/v1/admin/settings')
export class AdminSettingsController {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  @Get()
  @RequireRole('moderator')
  @ApiOperation({ summary: 'Networks on/off, blocked and allowed domains, default consent' })
  async get() {
    return loadSettings(this.ds);
  }

  @Patch()
  @RequireRole('admin')
  @ApiOperation({ summary: 'Change some settings; fields left out keep their value; the change is audited' })
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        networks: { type: 'object', properties: Object.fromEntries(NETWORKS.map((n) => [n, { type: 'boolean' }])) },
        blockedDomains: { type: 'array', items: { type: 'string' }, description: 'whole list; "*.example" matches subdomains' },
        allowedDomains: { type: 'array', items: { type: 'string' }, description: 'empty: every domain not blocked' },
        defaultConsent: { enum: ['opt-in', 'opt-out'] },
      },
    },
  })
  async patch(@Body() raw: unknown, @Req() req: AdminRequest) {
    const b = body(raw, PATCH_FIELDS);
    if (!Object.keys(b).length) throw new BadRequestException(`nothing to change: give at least one of ${PATCH_FIELDS.join(', ')}`);
    if (b.networks !== undefined && (b.networks === null || typeof b.networks !== 'object' || Array.isArray(b.networks)))
      throw new BadRequestException(`networks must be an object like {"nostr": false}`);
    try {
      return await updateSettings(this.ds, b as SettingsPatch, principal(req).actor);
    } catch (err) {
      if (err instanceof SettingsError) throw new BadRequestException(err.message);
      throw err;
    }
  }
}
