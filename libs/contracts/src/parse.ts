import { z } from 'zod';

/** A message that does not match its schema. The message names the first offending field. */
export class InvalidMessageError extends Error {
  override name = 'InvalidMessageError';
  constructor(
    readonly what: string,
    readonly issues: string[],
  ) {
    super(`invalid ${what}: ${issues.join('; ')}`);
  }
}

export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `${path}: ${issue.message}`;
  });
}

/** Validates a decoded message at a boundary; throws InvalidMessageError naming every bad field. */
export function parseMessage<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidMessageError(what, describeIssues(parsed.error));
  return parsed.data;
}
