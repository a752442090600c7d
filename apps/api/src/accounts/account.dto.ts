import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { PERSON_ROLES, SCOPES } from '@tessera/domain';

export class CreateAccountDto {
  @ApiProperty({ example: 'Studio Nord' })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  name: string;

  @ApiProperty({ enum: PERSON_ROLES })
  @IsIn(PERSON_ROLES)
  role: (typeof PERSON_ROLES)[number];
}

export class CreditAccountDto {
  @ApiProperty({ example: '100', description: 'Credits to add, as a decimal string with at most 6 decimals (exact; never a float).' })
  @IsString()
  @Matches(/^\d{1,12}(\.\d{1,6})?$/, { message: 'credits must be a positive amount such as "100" or "2.5" (at most 6 decimals)' })
  credits: string;

  @ApiPropertyOptional({ example: 'welcome grant' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  memo?: string;
}

export class CreateKeyDto {
  @ApiProperty({ example: 'nightly pipeline' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  name: string;

  @ApiProperty({ enum: SCOPES, isArray: true, description: "At most the creating key's scopes, and those of the account's role." })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SCOPES.length)
  @IsIn(SCOPES, { each: true })
  scopes: string[];

  @ApiPropertyOptional({ description: 'Admin only: the account to create the key for (default: the caller\'s own).' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  accountId?: string;
}

export class LedgerQuery {
  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @IsOptional()
  @Matches(/^\d+$/, { message: 'limit must be a whole number' })
  limit?: string;

  @ApiPropertyOptional({ description: 'The id of the last entry of the previous page.' })
  @IsOptional()
  @Matches(/^\d+$/, { message: 'before must be a whole number (an entry id)' })
  before?: string;
}

export class BalanceView {
  @ApiProperty({ description: 'Spendable now (micro-credits).' }) available: number;
  @ApiProperty({ description: 'Held in escrow for jobs that have not ended (micro-credits).' }) held: number;
  @ApiProperty({ description: 'Earned on jobs that have not ended yet; forfeitable (micro-credits).' }) pending: number;
  @ApiProperty() total: number;
  @ApiProperty({ example: '99.734580' }) availableCredits: string;
  @ApiProperty({ example: '0.265420' }) heldCredits: string;
  @ApiProperty({ example: '0.000000' }) pendingCredits: string;
}

export class AccountView {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: PERSON_ROLES }) role: string;
  @ApiProperty() createdAt: string;
  @ApiProperty({ type: BalanceView }) balance: BalanceView;
}

export class MeView extends AccountView {
  @ApiProperty({ description: 'The id of the key this request used.' }) keyId: string;
  @ApiProperty({ enum: SCOPES, isArray: true, description: 'What this key may do.' }) scopes: string[];
}

export class LedgerLineView {
  @ApiProperty({ description: 'Entry id; pass it as `before` for the next page.' }) id: number;
  @ApiProperty() transactionId: string;
  @ApiProperty({ example: 'tile_payment' }) kind: string;
  @ApiProperty({ enum: ['available', 'escrow', 'allowance', 'pending'] }) pocket: string;
  @ApiPropertyOptional({ nullable: true, type: String }) jobId: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) tileId: string | null;
  @ApiProperty({ description: 'Signed micro-credits: positive into the pocket, negative out of it.' }) amount: number;
  @ApiProperty({ example: '-0.003072' }) credits: string;
  @ApiProperty() memo: string;
  @ApiProperty() createdAt: string;
}

export class EarningsView {
  @ApiProperty() workerId: string;
  @ApiProperty({ description: 'Payments net of forfeits, pending or released (micro-credits).' }) earned: number;
  @ApiProperty({ example: '1.250000' }) earnedCredits: string;
  @ApiProperty({ description: 'Payments less forfeits.' }) payments: number;
}

export class CreditView {
  @ApiProperty() transactionId: string;
  @ApiProperty({ type: BalanceView }) balance: BalanceView;
}

export class KeyView {
  @ApiProperty() id: string;
  @ApiProperty() accountId: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: SCOPES, isArray: true }) scopes: string[];
  @ApiProperty() createdAt: string;
  @ApiPropertyOptional({ nullable: true, type: String }) revokedAt: string | null;
}

export class NewKeyView extends KeyView {
  @ApiProperty({ description: 'The key itself: shown this once, stored only as a hash. Send it as `Authorization: Bearer <key>`.' })
  key: string;
}
