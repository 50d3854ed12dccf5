import { MIN_CURSOR_HEADER, type HandlerContext } from '../handlerContext';

/**
 * Honours `users-min-cursor`: waits until the local view has applied at least that position
 * (a cursor another instance returned for a write), or fails with DEADLINE_EXCEEDED.
 */
export async function awaitMinCursor(ctx: HandlerContext): Promise<void> {
  const text = ctx.metadata(MIN_CURSOR_HEADER);
  if (!text) return;
  const cursor = ctx.deps.cursors.parse(text, MIN_CURSOR_HEADER);
  await ctx.deps.view.waitForCursor(cursor, ctx.deadline, ctx.signal);
}
