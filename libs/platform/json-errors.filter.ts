import { Catch, HttpException, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { createLogger } from '../observability/index.js';
import { countBodyRejection } from './json-body.js';

const log = createLogger('http');

/** Every error leaves as JSON `{ statusCode, error, message }`; internals are logged, never returned. */
@Catch()
export class JsonErrorsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // Nest wraps body-parser's errors (too large, bad JSON, our UTF-8 and depth checks) as HttpException with the cause.
      countBodyRejection(host.switchToHttp().getRequest<Request>().path ?? '', exception.cause);
      const body = exception.getResponse();
      const message = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
      res.status(status).json({ statusCode: status, error: HttpStatus[status] ?? 'Error', message });
      return;
    }
    // body-parser errors (too large, bad JSON) carry a status; anything else is a bug.
    const status = (exception as { status?: number })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      countBodyRejection(host.switchToHttp().getRequest<Request>().path ?? '', exception);
      res.status(status).json({ statusCode: status, error: HttpStatus[status] ?? 'Error', message: (exception as Error).message });
      return;
    }
    log.error('unhandled error', { err: exception instanceof Error ? exception.stack : String(exception) });
    res.status(500).json({ statusCode: 500, error: 'Internal Server Error', message: 'internal error; see the server log' });
  }
}
