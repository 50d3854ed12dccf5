import { Wakeup } from '../../lib/wakeup';

const settled = async (p: Promise<void>) => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

it('wakeAll wakes every waiter of the moment, and only those', async () => {
  const wakeup = new Wakeup();
  const first = [wakeup.wait(), wakeup.wait(new AbortController().signal)];
  wakeup.wakeAll();
  await Promise.all(first);
  const later = wakeup.wait();
  expect(await settled(later)).toBe(false);
  wakeup.wakeAll();
  expect(await settled(later)).toBe(true);
});

it('an abort wakes the waiters of that signal only; an aborted signal does not wait at all', async () => {
  const wakeup = new Wakeup();
  const a = new AbortController();
  const b = new AbortController();
  const ofA = wakeup.wait(a.signal);
  const ofB = wakeup.wait(b.signal);
  a.abort();
  expect(await settled(ofA)).toBe(true);
  expect(await settled(ofB)).toBe(false);
  expect(await settled(wakeup.wait(a.signal))).toBe(true);
  wakeup.wakeAll();
  expect(await settled(ofB)).toBe(true);
});

it('a signal gets one abort listener however many times it waits', async () => {
  const wakeup = new Wakeup();
  const controller = new AbortController();
  let listeners = 0;
  const add = controller.signal.addEventListener.bind(controller.signal);
  controller.signal.addEventListener = ((...args: Parameters<AbortSignal['addEventListener']>) => (
    listeners++,
    add(...args)
  )) as AbortSignal['addEventListener'];
  for (let i = 0; i < 100; i++) {
    const waiting = wakeup.wait(controller.signal);
    wakeup.wakeAll();
    await waiting;
  }
  expect(listeners).toBe(1);
  const last = wakeup.wait(controller.signal);
  controller.abort();
  await last;
});
