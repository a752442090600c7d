import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { DomainError } from '@tessera/domain';
import { SceneError } from '@tessera/renderers';
import type { Response } from 'express';

/** Domain error code -> HTTP status, in one place. Codes not listed are 400: the request was at fault. */
const STATUS_BY_CODE: Record<string, number> = {
  unauthenticated: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  insufficient_credits: HttpStatus.PAYMENT_REQUIRED,
  not_found: HttpStatus.NOT_FOUND,
  unknown_account: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  escrow_exists: HttpStatus.CONFLICT,
  job_settled: HttpStatus.CONFLICT,
  idempotency_mismatch: HttpStatus.UNPROCESSABLE_ENTITY,
  payload_too_large: HttpStatus.PAYLOAD_TOO_LARGE,
  invalid_scene: HttpStatus.UNPROCESSABLE_ENTITY,
  frame_not_ready: HttpStatus.CONFLICT,
};

/**
 * Every error leaves the API as JSON `{ statusCode, error, code, message }`. Domain errors keep their message
 * (it says what is wrong); anything unexpected is logged and answered with a 500 that reveals nothing.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, code, message } = this.describe(error);
    if (response.headersSent) {
      response.destroy();
      return;
    }
    if (status === HttpStatus.UNAUTHORIZED) response.setHeader('WWW-Authenticate', 'Bearer realm="tessera"');
    response.status(status).json({ statusCode: status, error: HttpStatus[status] ?? 'Error', code, message });
  }

  private describe(error: unknown): { status: number; code: string; message: string | string[] } {
    if (error instanceof ThrottlerException) {
      return { status: HttpStatus.TOO_MANY_REQUESTS, code: 'rate_limited', message: 'too many requests for this key; retry after the number of seconds in Retry-After' };
    }
    if (error instanceof HttpException) {
      const body = error.getResponse();
      const message = typeof body === 'string' ? body : ((body as { message?: string | string[] }).message ?? error.message);
      return { status: error.getStatus(), code: HttpStatus[error.getStatus()]?.toLowerCase() ?? 'error', message };
    }
    if (error instanceof SceneError) return { status: HttpStatus.UNPROCESSABLE_ENTITY, code: 'invalid_scene', message: error.message };
    if (error instanceof DomainError) return { status: STATUS_BY_CODE[error.code] ?? HttpStatus.BAD_REQUEST, code: error.code, message: error.message };
    this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, code: 'internal', message: 'internal error; the server logged it' };
  }
}
