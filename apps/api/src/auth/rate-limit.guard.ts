import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { AuthenticatedRequest } from './caller';

/**
 * Requests are counted per API key (the auth guard runs first and names it), so one busy pipeline cannot
 * starve another studio's; calls without a key (health) are counted per address.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const { caller, ip } = request as unknown as AuthenticatedRequest;
    return caller ? `key:${caller.keyId}` : `ip:${ip ?? 'unknown'}`;
  }

  /** One budget per key across the whole API (the library's default counts each route apart). */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttler: string): string {
    return `${throttler}:${tracker}`;
  }
}
