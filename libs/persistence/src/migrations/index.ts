import { InitialSchema1764158400000 } from './1764158400000-initial-schema';

/** Every migration in order. A schema change is a new file here, never an edit of a landed one. */
export const MIGRATIONS = [InitialSchema1764158400000];
