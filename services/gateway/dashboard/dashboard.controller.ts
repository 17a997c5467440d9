import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { isServableModule, loadBrowserModules } from './dashboard-assets.js';
import { DASHBOARD_PAGE } from './page.js';
import { DASHBOARD_HEADERS } from './security-headers.js';
import { DASHBOARD_CSS } from './styles.js';

const BROWSER_DIR = new URL('./browser/', import.meta.url);

/**
 * The dashboard: one HTML page, one stylesheet and the browser modules, all from this origin
 * (see security-headers.ts). It reads only the public and admin REST API, like any other client.
 */
@ApiExcludeController()
@Controller('dashboard')
export class DashboardController {
  private modules: Promise<Map<string, string>> | undefined;

  @Get()
  page(@Res() res: Response): void {
    send(res, 'text/html; charset=utf-8', DASHBOARD_PAGE);
  }

  @Get('dashboard.css')
  css(@Res() res: Response): void {
    send(res, 'text/css; charset=utf-8', DASHBOARD_CSS);
  }

  @Get('js/:file')
  async script(@Param('file') file: string, @Res() res: Response): Promise<void> {
    if (!isServableModule(file)) throw new NotFoundException(`no dashboard module ${file}`);
    // A failed read is not cached: the next request tries again.
    this.modules ??= loadBrowserModules(BROWSER_DIR).catch((err: unknown) => {
      this.modules = undefined;
      throw err;
    });
    const body = (await this.modules).get(file);
    if (body === undefined) throw new NotFoundException(`no dashboard module ${file}`);
    send(res, 'text/javascript; charset=utf-8', body);
  }
}

function send(res: Response, type: string, body: string): void {
  res.set(DASHBOARD_HEADERS).type(type).send(body);
}
