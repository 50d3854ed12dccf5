import { TRACE_HEADER, commandRecord } from '../../events/codec';
import { COMMANDS, type NewRecord } from '../../events/eventLog';
import { withDeadline } from '../../lib/abortable';
import { Code } from '../../lib/code';
import { DataLossError, DeadlineExceededError, RequestIdReusedError, UnavailableError, errorFromOutcome } from '../../lib/errors';
import { outcomeStands } from '../../lib/requestRetention';
import { millisFromTimestamp } from '../../lib/timestamp';
import type { OpenCommand, User } from '../../proto/messages';
import type { Outcome } from '../../store/outcome';
import { CURSOR_TRAILER, type HandlerContext } from '../handlerContext';
import { differentRequests } from './requestDigest';
import { userKeys } from './userKeys';

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
const EMPTY = new Uint8Array(0);
const WAITING = 'waiting for the write to be applied (it may still be: retry with the same request_id to learn its outcome)';

/**
 * Appends a command and waits, within the call's deadline, until the local view has applied
 * its outcome: that is read-your-writes without shared state. A request id seen before
 * returns the first outcome without appending anything, when the request is the same one;
 * for a different request it is REQUEST_ID_REUSED, and nothing is applied. If the log reports a failure while we
 * wait (a broker gone), the wait ends at once with UNAVAILABLE; a wait that runs out while the
 * log is failing is UNAVAILABLE too (the client should retry), otherwise DEADLINE_EXCEEDED.
 */
export async function submitCommand(command: OpenCommand, ctx: HandlerContext): Promise<Outcome> {
  const [submitted] = await submitCommands([command], ctx);
  if (submitted instanceof Error) throw submitted;
  return submitted;
}

/**
 * submitCommand for many commands at once (ImportUsers): one append carries them all, so the
 * decider reads them as one batch and decides them in one transaction, and the waits share one
 * deadline, one log listener and one cancellation. Each command gets its own outcome, or the
 * REQUEST_ID_REUSED error that is its own; a failure of the log, the deadline or a cancellation
 * ends the whole call, as for one command.
 */
export async function submitCommands(commands: OpenCommand[], ctx: HandlerContext): Promise<Array<Outcome | RequestIdReusedError>> {
  const { view, log, keys } = ctx.deps;
  const results: Array<Outcome | RequestIdReusedError> = new Array(commands.length);
  const giveUp = new AbortController();
  const waits: Array<Promise<void>> = [];
  const records: NewRecord[] = [];
  const traceparent = ctx.metadata(TRACE_HEADER);
  // An outcome past the retention answers nothing: the decider applies the request as new, and so it is sent.
  const outcomeOf = (command: OpenCommand) => {
    const known = command.request_id ? view.findOutcome({ commandId: command.command_id, requestId: command.request_id }) : undefined;
    return known && outcomeStands(known.occurredAt, view.decidedThrough(), millisFromTimestamp(command.issued_at), view.requestIdRetentionMs)
      ? known
      : undefined;
  };
  // A retry answered by its first outcome needs no key; the others get theirs (a new user's made).
  const unanswered = commands.filter((command) => !outcomeOf(command));
  const keysMade = userKeys(unanswered, keys);
  const stopWaiting = () => giveUp.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', stopWaiting, { once: true });
  let stopListening = () => {};
  const logFailed = new Promise<never>((_, reject) => {
    // Damaged data is not an outage: a retry cannot help, so it is said as it is (DATA_LOSS).
    stopListening = log.onFailure((error) =>
      reject(error instanceof DataLossError ? error : new UnavailableError(`${error.message}; ${MAY_STILL_APPLY}`, { cause: error })),
    );
  });
  for (const settled of [keysMade, logFailed]) settled.catch(() => {}); // observed below; an early failure is not unhandled
  const deadline = ctx.deadline - answerMarginMs(ctx.deadline);
  let sent = false;
  try {
    // The keys are made on the log too (Kafka: users.keys): the deadline ends the wait (UNAVAILABLE
    // when the log is failing, below). Not any failure the log reports: a reader restarting after an
    // outage must not fail the writes that then make their keys.
    const unknownUsers = await withDeadline(keysMade, deadline, giveUp.signal, WAITING);
    // Looked up and registered in one synchronous stretch, before the append: no outcome can slip by.
    commands.forEach((command, i) => {
      const key = { commandId: command.command_id, requestId: command.request_id || undefined };
      // A command id is minted with its command (commands.ts): only a request id can have an outcome already.
      const known = outcomeOf(command);
      if (known) {
        results[i] = ownOutcome(known, command);
        return;
      }
      // A user without a key was erased or never created: answered here as the decider would.
      const unknown = unknownUsers.get(command);
      if (unknown) {
        results[i] = {
          ...key,
          requestId: command.request_id,
          code: Code.NOT_FOUND,
          message: unknown,
          requestDigest: EMPTY,
          user: null,
          cursor: view.cursor(),
          occurredAt: view.decidedThrough(),
        };
        return;
      }
      // No deadline of its own: the one below covers every wait, and giveUp releases them all.
      waits.push(view.waitForNewOutcome(key, Infinity, giveUp.signal).then((outcome) => void (results[i] = ownOutcome(outcome, command))));
      records.push(commandRecord(command, keys, traceparent));
    });
    sent = true;
    if (records.length === 0) return results;
    const decided = Promise.all(waits);
    // Answered from its event, never from the append: the command may share the event's fsync.
    const appended = log.append(COMMANDS, records, { syncWithNext: true }).then(() => decided);
    for (const settled of [decided, appended]) settled.catch(() => {}); // observed below; an early failure is not unhandled
    await withDeadline(Promise.race([appended, decided, logFailed]), deadline, giveUp.signal, WAITING);
    return results;
  } catch (error) {
    // The call ends before its commands were sent: they still are once their keys are made, as a
    // command read in time always reached the log; a retry with its request_id learns the outcome.
    if (!sent) void keysMade.then((refused) => sendLate(unanswered, refused, ctx)).catch(() => {});
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

/** Appends, with nobody waiting for them, the commands of a call that ended while their keys were being made. */
function sendLate(commands: OpenCommand[], refused: Map<OpenCommand, string>, ctx: HandlerContext): Promise<unknown> {
  const records = commands.filter((c) => !refused.has(c)).map((c) => commandRecord(c, ctx.deps.keys, ctx.metadata(TRACE_HEADER)));
  return records.length > 0 ? ctx.deps.log.append(COMMANDS, records, { syncWithNext: true }) : Promise.resolve();
}

/**
 * The outcome, if it answers this very request. Found by request_id, it may be another request's:
 * one decided before, or (two requests racing with one id) the one the decider took first while
 * it skipped ours. Either way ours was not applied, and saying so beats answering for the other.
 */
function ownOutcome(outcome: Outcome, command: OpenCommand): Outcome | RequestIdReusedError {
  if (outcome.commandId !== command.command_id && differentRequests(outcome.requestDigest, command.request_digest)) {
    return new RequestIdReusedError(command.request_id);
  }
  return outcome;
}

/** The user an outcome produced, or the error it stands for; the cursor goes back as a trailer. */
export function userFromOutcome(outcome: Outcome, ctx: HandlerContext): User {
  ctx.setTrailer(CURSOR_TRAILER, ctx.deps.cursors.format(outcome.cursor));
  if (outcome.code !== Code.OK || !outcome.user) throw errorFromOutcome(outcome.code, outcome.message, outcome.errorInfo);
  return outcome.user;
}
