import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentCaller, RequireScope, type Caller } from '../auth/caller';
import { AccountService } from './account.service';
import {
  AccountView, CreateAccountDto, CreateKeyDto, CreditAccountDto, CreditView, EarningsView, KeyView, LedgerLineView, LedgerQuery, MeView, NewKeyView,
} from './account.dto';
import { RegisterWorkerDto, RevokeWorkerDto, WorkerIdentityView, WorkersQuery } from './worker.dto';

const page = (limit: string | undefined, max: number, fallback: number) => Math.min(max, Math.max(1, Number(limit ?? fallback)));

@ApiTags('accounts')
@ApiBearerAuth()
@Controller('v1/accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountService) {}

  @Get('me')
  @RequireScope('read')
  @ApiOperation({ summary: "The caller's account, its balance, and what the key in use may do" })
  @ApiResponse({ status: 200, type: MeView })
  me(@CurrentCaller() caller: Caller): Promise<MeView> {
    return this.accounts.me(caller);
  }

  @Get('me/ledger')
  @RequireScope('read')
  @ApiOperation({ summary: "The caller's ledger entries, newest first, a page at a time" })
  @ApiResponse({ status: 200, type: [LedgerLineView] })
  ledger(@CurrentCaller() caller: Caller, @Query() query: LedgerQuery): Promise<LedgerLineView[]> {
    return this.accounts.statement(caller.accountId, page(query.limit, 500, 50), query.before === undefined ? undefined : Number(query.before));
  }

  @Get('me/earnings')
  @RequireScope('operate')
  @ApiOperation({ summary: "An operator's earnings per worker: payments net of forfeits, pending or released" })
  @ApiResponse({ status: 200, type: [EarningsView] })
  earnings(@CurrentCaller() caller: Caller): Promise<EarningsView[]> {
    return this.accounts.earnings(caller.accountId);
  }

  @Post()
  @RequireScope('admin')
  @ApiOperation({ summary: 'Admin: open an account (artist, studio, operator or admin); give it a key with POST /v1/keys' })
  @ApiResponse({ status: 201, type: AccountView })
  create(@Body() dto: CreateAccountDto): Promise<AccountView> {
    return this.accounts.create(dto.name, dto.role);
  }

  @Get(':id')
  @RequireScope('admin')
  @ApiOperation({ summary: 'Admin: an account and its balance' })
  @ApiResponse({ status: 200, type: AccountView })
  get(@Param('id') id: string): Promise<AccountView> {
    return this.accounts.get(id);
  }

  @Post(':id/credits')
  @RequireScope('admin')
  @ApiOperation({ summary: 'Admin: add credits to an account (there is no payment gateway: credits are granted)' })
  @ApiResponse({ status: 201, type: CreditView })
  credit(@Param('id') id: string, @Body() dto: CreditAccountDto): Promise<CreditView> {
    return this.accounts.credit(id, dto.credits, dto.memo);
  }
}

@ApiTags('keys')
@ApiBearerAuth()
@Controller('v1/keys')
export class KeysController {
  constructor(private readonly accounts: AccountService) {}

  @Post()
  @RequireScope('read')
  @ApiOperation({ summary: 'Create an API key; the key is in this response only' })
  @ApiResponse({ status: 201, type: NewKeyView })
  create(@CurrentCaller() caller: Caller, @Body() dto: CreateKeyDto): Promise<NewKeyView> {
    return this.accounts.createKey(caller, dto);
  }

  @Get()
  @RequireScope('read')
  @ApiOperation({ summary: "The account's keys (never the keys themselves)" })
  @ApiResponse({ status: 200, type: [KeyView] })
  list(@CurrentCaller() caller: Caller): Promise<KeyView[]> {
    return this.accounts.keys(caller.accountId);
  }

  @Delete(':id')
  @RequireScope('read')
  @ApiOperation({ summary: 'Revoke a key at once; revoking twice is not an error' })
  @ApiResponse({ status: 200, type: KeyView })
  revoke(@CurrentCaller() caller: Caller, @Param('id') id: string): Promise<KeyView> {
    return this.accounts.revokeKey(caller, id);
  }
}

@ApiTags('workers')
@ApiBearerAuth()
@Controller('v1/workers')
export class WorkersController {
  constructor(private readonly accounts: AccountService) {}

  @Post()
  @RequireScope('operate')
  @ApiOperation({ summary: "Register a worker's public key (from `tessera worker init`): its tiles pay this operator" })
  @ApiResponse({ status: 201, type: WorkerIdentityView })
  @ApiResponse({ status: 200, type: WorkerIdentityView, description: 'Registered before by this operator (renamed).' })
  @ApiResponse({ status: 409, description: 'Another operator registered this key.' })
  async register(@CurrentCaller() caller: Caller, @Body() dto: RegisterWorkerDto, @Res({ passthrough: true }) response: Response): Promise<WorkerIdentityView> {
    const { worker, created } = await this.accounts.registerWorker(caller.accountId, dto);
    response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return worker;
  }

  @Get()
  @RequireScope('operate')
  @ApiOperation({ summary: "The operator's registered workers (every operator's for an admin key)" })
  @ApiResponse({ status: 200, type: [WorkerIdentityView] })
  list(@CurrentCaller() caller: Caller, @Query() query: WorkersQuery): Promise<WorkerIdentityView[]> {
    return this.accounts.workers(caller, page(query.limit, 500, 100));
  }

  @Post(':publicKey/revoke')
  @HttpCode(HttpStatus.OK)
  @RequireScope('operate')
  @ApiOperation({ summary: 'Revoke a worker: it is paid nothing more (its operator, or an admin)' })
  @ApiResponse({ status: 200, type: WorkerIdentityView })
  revoke(@CurrentCaller() caller: Caller, @Param('publicKey') publicKey: string, @Body() dto: RevokeWorkerDto): Promise<WorkerIdentityView> {
    return this.accounts.revokeWorker(caller, publicKey, dto.reason);
  }
}
