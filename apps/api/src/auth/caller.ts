import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { AccountRole, Scope } from '@tessera/domain';
import type { Request } from 'express';

/** Who is calling: the account behind the request's API key, and what that key may do. */
export interface Caller {
  accountId: string;
  role: AccountRole;
  keyId: string;
  scopes: readonly Scope[];
}

/** An admin key sees every account's resources; everyone else only their own. */
export const isAdmin = (caller: Caller): boolean => caller.scopes.includes('admin');

/** The account whose resources a caller may see: its own, or every account's (null) for an admin. */
export const visibleTo = (caller: Caller): string | null => (isAdmin(caller) ? null : caller.accountId);

export type AuthenticatedRequest = Request & { caller?: Caller };

export const PUBLIC_ROUTE = 'tessera:public';
export const REQUIRED_SCOPE = 'tessera:scope';

/** A route anyone may call without a key (health). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The scope a route needs; every route that is not @Public() declares one (the guard refuses otherwise). */
export const RequireScope = (scope: Scope) => SetMetadata(REQUIRED_SCOPE, scope);

/** The authenticated caller of a route (the guard has set it). */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<AuthenticatedRequest>().caller;
  if (!caller) throw new Error('CurrentCaller on a route the auth guard did not authenticate');
  return caller;
});
