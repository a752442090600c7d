import { ValueTransformer } from 'typeorm';

/**
 * Instants are stored as epoch milliseconds in a BIGINT column: the same type and the same comparisons on
 * SQLite and PostgreSQL, no time-zone conversions. PostgreSQL returns BIGINT as a string, hence the transformer.
 */
export const epochMs: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null || value === undefined ? null : Number(value)),
};

/** Byte sizes can pass 2^31; stored as BIGINT, read back as a number (exact up to 2^53). */
export const bigNumber = epochMs;
