import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Scope } from '@tessera/domain';
import { AccountRepository } from '@tessera/persistence';
import { MissingScopeError, UnauthenticatedError } from './auth.errors';
import { PUBLIC_ROUTE, REQUIRED_SCOPE, type AuthenticatedRequest } from './caller';

/**
 * Every route needs an API key (`Authorization: Bearer tsk_...`) with the scope the route declares, except
 * those marked @Public(). Global, so a new controller is closed by default: a route that forgets to declare
 * its scope is refused for everyone rather than open to anyone.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly accounts: AccountRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    if (!header) throw new UnauthenticatedError('missing API key: send it as "Authorization: Bearer <key>"');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new UnauthenticatedError('the Authorization header must be "Bearer <key>"');
    const found = await this.accounts.authenticate(match[1]);
    if (!found) throw new UnauthenticatedError('unknown or revoked API key');
    const scopes = found.key.scopes;
    request.caller = { accountId: found.account.id, role: found.account.role, keyId: found.key.id, scopes };
    const required = this.reflector.getAllAndOverride<Scope | undefined>(REQUIRED_SCOPE, targets);
    if (!required) throw new MissingScopeError('this route declares no scope and is closed');
    if (!scopes.includes(required) && !scopes.includes('admin')) {
      throw new MissingScopeError(`this key has the scopes ${scopes.join(', ')}; this request needs ${required}`);
    }
    return true;
  }
}
