export * from './money';
export * from './credit.errors';
export * from './pricing';
export * from './ledger-postings';
