// The spot-check policy and its simulation (DESIGN.md section 3, docs/verification.md). Pure: randomness
// comes in through RandomSource. The argument checkers and draw helpers stay internal.
export { VerificationPolicyError } from './verification-error';
export * from './thresholds';
export { RandomSource, SeededRandom } from './random-source';
export * from './check-policy';
export * from './patches';
export * from './arbitration';
export * from './comparison-mode';
export * from './simulation';
export * from './simulation-table';
