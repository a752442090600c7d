import { coerce, satisfies, validRange } from 'semver';
import { DomainError } from './errors';

/** A renderer version range a job asks for that is not a range: `>=3.4`, `3.6.x`, `^4.0` are; `new` is not. */
export class VersionRangeError extends DomainError {
  readonly code = 'invalid_version_range';
}

/**
 * Checks a job's renderer version range (semver syntax: `>=3.4`, `3.4 - 3.6`, `4.x`) and returns it as typed.
 * Renderers report versions in their own words (`Blender 3.4.1`, `3.7.0.10`, `builtin-1.0.0`); the numbers in
 * them are what a range is matched against.
 */
export function parseVersionRange(range: string): string {
  if (!validRange(range)) throw new VersionRangeError(`rendererVersion: ${JSON.stringify(range)} is not a version range such as ">=3.4" or "3.6.x"`);
  return range;
}

/** Whether a renderer's own version string satisfies a range (none: any version does). */
export function satisfiesVersion(reported: string, range: string | null | undefined): boolean {
  if (!range) return true;
  const version = coerce(reported);
  return version !== null && satisfies(version, range);
}
