import { EVENTS } from '../../events/eventLog';
import { withDeadline } from '../../lib/abortable';
import { Cursor } from '../../lib/cursor';
import { DataLossError, DeadlineExceededError, InvalidArgumentError, UnavailableError } from '../../lib/errors';
import { CONSISTENCY_HEADER, MIN_CURSOR_HEADER, type HandlerContext } from '../handlerContext';
import { answerMarginMs, RETRY_PUSHBACK_TRAILER } from './submitCommand';

/** The values of `users-consistency`; `local` (the default) answers from the view as it stands. */
const LEVELS = ['local', 'strong'];

/** What a read waits for before it answers: a client's cursor, the log's end at arrival, or both. */
interface Target {
  minCursor?: Cursor;
  strong: boolean;
}

/**
 * Honours the read-consistency metadata of GetUser, ListUsers, WatchUsers and SyncUsers:
 *  - `users-min-cursor`: waits until the local view has applied at least that position (a
 *    cursor another instance returned for a write);
 *  - `users-consistency: strong`: asks the log where users.events ends now (on Kafka the last
 *    stable offsets: committed events, not an open transaction), then waits until the local
 *    view has applied up to there. Commands appended but not yet decided are not waited for.
 * Both may be sent; the view must then reach both. The wait ends within the call's deadline with
 * DEADLINE_EXCEEDED naming what it waited for, or UNAVAILABLE when the log is failing.
 */
export async function awaitReadConsistency(ctx: HandlerContext): Promise<void> {
  const target = targetOf(ctx);
  if (!target.strong && !target.minCursor) return;
  await awaitView(target, ctx);
}

/** Both headers are checked before any wait, so a bad value is refused at once. */
function targetOf(ctx: HandlerContext): Target {
  const level = ctx.metadata(CONSISTENCY_HEADER);
  if (level !== undefined && !LEVELS.includes(level)) {
    throw new InvalidArgumentError(
      CONSISTENCY_HEADER,
      `must be "strong" (wait until this instance's view has applied the whole log as it was when the call arrived) or "local" (the default: answer from the view as it is); got "${level}"`,
    );
  }
  const text = ctx.metadata(MIN_CURSOR_HEADER);
  return { strong: level === 'strong', minCursor: text ? ctx.deps.cursors.parse(text, MIN_CURSOR_HEADER) : undefined };
}

async function awaitView(target: Target, ctx: HandlerContext): Promise<void> {
  const { log, view } = ctx.deps;
  // Our own deadline comes a little before the client's, so the client hears why the wait ended.
  const deadline = ctx.deadline - answerMarginMs(ctx.deadline);
  const giveUp = new AbortController();
  const stopWaiting = () => giveUp.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', stopWaiting, { once: true });
  let stopListening = () => {};
  let failed = false;
  const logFailed = new Promise<never>((_, reject) => {
    stopListening = log.onFailure((error) => {
      failed = true;
      reject(
        error instanceof DataLossError
          ? error
          : new UnavailableError(`the log is failing, so this instance's view may not catch up: ${error.message}; retry the read`, { cause: error }),
      );
    });
  });
  logFailed.catch(() => {});
  let end: Cursor | undefined;
  try {
    if (target.strong) {
      end = (
        await Promise.race([
          withDeadline(log.bounds(EVENTS), deadline, giveUp.signal, `asking the log where ${EVENTS} ends (${CONSISTENCY_HEADER}: strong)`),
          logFailed,
        ])
      ).end;
    }
    const cursor = (target.minCursor ?? Cursor.empty).max(end ?? Cursor.empty);
    await Promise.race([view.waitForCursor(cursor, deadline, giveUp.signal), logFailed]);
  } catch (error) {
    if (!(error instanceof DeadlineExceededError)) throw error;
    // Not `log.healthy()`, as a write asks: on Kafka that is false while this replica's decider
    // has not handled a batch since it joined its group (on a replica that is not the decider,
    // for good), which says nothing about whether this view can catch up.
    if (failed) {
      // As for a write (submitCommand): a retry within this deadline could only time out too.
      ctx.setTrailer(RETRY_PUSHBACK_TRAILER, '-1');
      throw new UnavailableError(`the log is failing and this instance's view did not catch up in time (${waitedFor(target, end, ctx)}); retry the read`, {
        cause: error,
      });
    }
    throw new DeadlineExceededError(`deadline exceeded while ${waitedFor(target, end, ctx)}`);
  } finally {
    stopListening();
    giveUp.abort();
    ctx.signal.removeEventListener('abort', stopWaiting);
  }
}

/** Says what the read waited for and how far the view got, for a wait that ran out. */
function waitedFor(target: Target, end: Cursor | undefined, ctx: HandlerContext): string {
  const { cursors, view } = ctx.deps;
  const goals: string[] = [];
  if (target.strong)
    goals.push(
      end
        ? `the end the log had when the call arrived (${cursors.format(end)}, ${CONSISTENCY_HEADER}: strong)`
        : `the log to say where ${EVENTS} ends (${CONSISTENCY_HEADER}: strong)`,
    );
  if (target.minCursor) goals.push(`${MIN_CURSOR_HEADER} ${cursors.format(target.minCursor)}`);
  const reached = view.cursor().isEmpty() ? 'nothing yet' : `up to ${cursors.format(view.cursor())}`;
  return `waiting for this instance's view to apply ${goals.join(' and ')}; it has applied ${reached}`;
}
