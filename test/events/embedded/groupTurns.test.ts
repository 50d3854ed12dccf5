import { GroupTurns } from '../../../events/embedded/groupTurns';

describe('GroupTurns', () => {
  it('gives a group to one member at a time, in the order they joined; a member that stops while waiting never holds it', async () => {
    const turns = new GroupTurns();
    const order: string[] = [];
    const join = async (name: string, signal: AbortSignal) => {
      const leave = await turns.take('g', signal);
      order.push(leave ? `${name} holds` : `${name} gave up`);
      return leave;
    };
    const first = await join('a', new AbortController().signal);
    const waiting = new AbortController();
    const second = join('b', waiting.signal);
    const third = join('c', new AbortController().signal);
    const other = await turns.take('another group', new AbortController().signal); // groups do not wait for each other
    expect(other).toBeDefined();
    waiting.abort();
    expect(await second).toBeUndefined();
    expect(order).toEqual(['a holds', 'b gave up']);
    first!();
    (await third)!();
    expect(order).toEqual(['a holds', 'b gave up', 'c holds']);
  });
});
