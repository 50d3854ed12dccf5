import { Channel } from '../../lib/channel';

async function take<T>(iterator: AsyncIterator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push((await iterator.next()).value as T);
  return out;
}

it('hands items over in order; a writer waits while the channel is full and goes on when the reader takes one', async () => {
  const channel = new Channel<number>(2);
  await channel.push(1);
  await channel.push(2);
  let third = false;
  const pushed = channel.push(3).then(() => (third = true));
  await new Promise((resolve) => setImmediate(resolve));
  expect(third).toBe(false);
  const reader = channel[Symbol.asyncIterator]();
  expect(await take(reader, 1)).toEqual([1]);
  await pushed;
  expect(third).toBe(true);
  expect(await take(reader, 2)).toEqual([2, 3]);
});

it('several waiting writers get in one per freed slot, oldest first', async () => {
  const channel = new Channel<string>(1);
  await channel.push('a');
  const waiting = ['b', 'c', 'd'].map((item) => channel.push(item));
  const reader = channel[Symbol.asyncIterator]();
  const got = await take(reader, 4);
  await Promise.all(waiting);
  expect(got).toEqual(['a', 'b', 'c', 'd']);
});

it('a waiting reader wakes for the next item, and ends with the error the channel was closed with', async () => {
  const channel = new Channel<number>(4);
  const reader = channel[Symbol.asyncIterator]();
  const next = reader.next();
  await channel.push(7);
  expect(await next).toEqual({ value: 7, done: false });
  channel.close(new Error('gone'));
  await expect(reader.next()).rejects.toThrow('gone');
});

it('close wakes waiting writers, whose items are dropped; the items already in are still read', async () => {
  const channel = new Channel<number>(1);
  await channel.push(1);
  const late = channel.push(2);
  channel.close();
  await late;
  const seen: number[] = [];
  for await (const item of channel) seen.push(item);
  expect(seen).toEqual([1]);
});
