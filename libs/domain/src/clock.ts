/**
 * Time is injected: services ask a Clock, so tests can hold time still or move it forward at will.
 * Instants are epoch milliseconds, the unit the database stores.
 */
export abstract class Clock {
  abstract now(): number;
}

export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}

/** A clock a test moves by hand. */
export class ManualClock extends Clock {
  constructor(private current = 0) {
    super();
  }
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}
