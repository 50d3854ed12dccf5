import { TRACE_HEADER, commandRecord } from '../../events/codec';
import { COMMANDS } from '../../events/eventLog';
import { Code } from '../../lib/code';
import { DataLossError, DeadlineExceededError, RequestIdReusedError, UnavailableError, errorFromOutcome } from '../../lib/errors';
import type { Command, User } from '../../proto/messages';
import type { Outcome } from '../../store/outcome';
import { CURSOR_TRAILER, type HandlerContext } from '../handlerContext';
import { differentRequests } from './requestDigest';

/**
 * Time kept back from the deadline to answer with our own status (UNAVAILABLE when the log is
 * failing) before the client's own deadline fires: the server learns the deadline a little after
 * the client set it, and a busy event loop answers late. 5% of the time left, 20 to 250 ms.
 */
export const answerMarginMs = (deadline: number) => Math.min(250, Math.max(20, (deadline - Date.now()) * 0.05));
/** gRPC's retry pushback (gRFC A6): how long a client waits before its next attempt; negative means none. */
export const RETRY_PUSHBACK_TRAILER = 'grpc-retry-pushback-ms';
const MAY_STILL_APPLY = 'the write may still be applied: retry with the same request_id to learn its outcome';
/** Why a wait is released once the call is answered; made once, as an Error per call would capture a stack each time. */
const ANSWERED = new Error('the call was answered');

/**
 * Appends a command and waits, within the call's deadline, until the local view has applied
 * its outcome: that is read-your-writes without shared state. A request id seen before
 * returns the first outcome without appending anything, when the request is the same one;
 * for a different request it is REQUEST_ID_REUSED, and nothing is applied. If the log reports a failure while we
 * wait (a broker gone), the wait ends at once with UNAVAILABLE; a wait that runs out while the
 * log is failing is UNAVAILABLE too (the client should retry), otherwise DEADLINE_EXCEEDED.
 */
export async function submitCommand(command: Command, ctx: HandlerContext): Promise<Outcome> {
  const { view, log } = ctx.deps;
  const key = { commandId: command.command_id, requestId: command.request_id || undefined };
  const known = view.findOutcome(key);
  if (known) return ownOutcome(known, command);
  const giveUp = new AbortController();
  const stopWaiting = () => giveUp.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', stopWaiting, { once: true });
  let stopListening = () => {};
  const logFailed = new Promise<never>((_, reject) => {
    // Damaged data is not an outage: a retry cannot help, so it is said as it is (DATA_LOSS).
    stopListening = log.onFailure((error) =>
      reject(error instanceof DataLossError ? error : new UnavailableError(`${error.message}; ${MAY_STILL_APPLY}`, { cause: error })),
    );
  });
  logFailed.catch(() => {});
  try {
    // Registered before the append, so the outcome cannot slip by; its deadline bounds the append too.
    const outcome = view.waitForNewOutcome(key, ctx.deadline - answerMarginMs(ctx.deadline), giveUp.signal);
    outcome.catch(() => {}); // observed below; this keeps an early failure from going unhandled
    // Answered from its event, never from the append: the command may share the event's fsync.
    const appended = log.append(COMMANDS, [commandRecord(command, ctx.metadata(TRACE_HEADER))], { syncWithNext: true }).then(() => outcome);
    return ownOutcome(await Promise.race([appended, outcome, logFailed]), command);
  } catch (error) {
    if (error instanceof DeadlineExceededError && !log.healthy()) {
      // The call's time is used up: a negative pushback tells a retrying client not to try again
      // within it (a retry could only end DEADLINE_EXCEEDED, hiding that the log is failing).
      ctx.setTrailer(RETRY_PUSHBACK_TRAILER, '-1');
      throw new UnavailableError(`the log is failing and did not decide the write in time; ${MAY_STILL_APPLY}`, { cause: error });
    }
    throw error;
  } finally {
    stopListening();
    giveUp.abort(ANSWERED);
    ctx.signal.removeEventListener('abort', stopWaiting);
  }
}

/**
 * The outcome, if it answers this very request. Found by request_id, it may be another request's:
 * one decided before, or (two requests racing with one id) the one the decider took first while
 * it skipped ours. Either way ours was not applied, and saying so beats answering for the other.
 */
function ownOutcome(outcome: Outcome, command: Command): Outcome {
  if (outcome.commandId !== command.command_id && differentRequests(outcome.requestDigest, command.request_digest)) {
    throw new RequestIdReusedError(command.request_id);
  }
  return outcome;
}

/** The user an outcome produced, or the error it stands for; the cursor goes back as a trailer. */
export function userFromOutcome(outcome: Outcome, ctx: HandlerContext): User {
  ctx.setTrailer(CURSOR_TRAILER, ctx.deps.cursors.format(outcome.cursor));
  if (outcome.code !== Code.OK || !outcome.user) throw errorFromOutcome(outcome.code, outcome.message, outcome.errorInfo);
  return outcome.user;
}
