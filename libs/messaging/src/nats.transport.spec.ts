import { setTimeout as sleep } from 'node:timers/promises';
import { forEachConcurrently } from './nats.transport';

/** An async source that counts how many items were taken from it. */
function source(count: number): { items: AsyncIterable<number>; taken: () => number } {
  let taken = 0;
  return {
    items: (async function* () {
      for (let i = 0; i < count; i++) {
        taken += 1;
        yield i;
      }
    })(),
    taken: () => taken,
  };
}

describe('forEachConcurrently', () => {
  it('works on at most `limit` items at once and handles every item', async () => {
    const { items } = source(40);
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await forEachConcurrently(items, 5, async (i) => {
      running += 1;
      most = Math.max(most, running);
      await sleep(i % 3);
      running -= 1;
      done.push(i);
    });
    expect(most).toBe(5);
    expect(done.sort((a, b) => a - b)).toEqual([...Array(40).keys()]);
  });

  it('takes the next item only when a slot is free', async () => {
    const { items, taken } = source(10);
    const release: Array<() => void> = [];
    const loop = forEachConcurrently(items, 3, () => new Promise<void>((resolve) => release.push(resolve)));
    await sleep(10);
    expect(taken()).toBe(3);
    release.shift()?.();
    await sleep(10);
    expect(taken()).toBe(4);
    while (release.length > 0) {
      release.shift()?.();
      await sleep(1);
    }
    await loop;
    expect(taken()).toBe(10);
  });

  it('keeps the arrival order with a limit of one', async () => {
    const { items } = source(20);
    const done: number[] = [];
    await forEachConcurrently(items, 1, async (i) => {
      await sleep(20 - i > 10 ? 2 : 0);
      done.push(i);
    });
    expect(done).toEqual([...Array(20).keys()]);
  });

  it('stops at the first failure, lets started work finish, and rethrows', async () => {
    const { items, taken } = source(100);
    const finished: number[] = [];
    const loop = forEachConcurrently(items, 4, async (i) => {
      await sleep(i === 5 ? 1 : 5);
      if (i === 5) throw new Error('handler broke');
      finished.push(i);
    });
    await expect(loop).rejects.toThrow('handler broke');
    expect(taken()).toBeLessThan(100);
    // Every other item taken before the stop ran to its end.
    expect(finished.length).toBe(taken() - 1);
  });
});
