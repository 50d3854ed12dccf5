import type { Cursor } from '../../lib/cursor';
import { DataLossError } from '../../lib/errors';
import type { Command, OpenEvent } from '../../proto/messages';
import type { KeyStore } from '../sealing/keyStore';
import type { Keys } from '../sealing/sealedRecords';
import { TRACE_HEADER, decodeCommand, eventRecord, openedEvents } from '../codec';
import { COMMANDS, EVENTS, type LogBatch } from '../eventLog';
import type { LogFunction, LogFunctionContext } from '../logFunction';
import { readToEnd } from '../readToEnd';
import { replayStart } from '../compaction/replaySnapshot';
import { BatchState } from './batchState';
import { decide, type DeciderState } from './decide';

/** The group the decider commits its position to when serverless.yml names none. */
export const DECIDER_GROUP = 'usersvc-decider';

/**
 * The decider as a log function: commands in, events out.
 *
 * Each batch's events and the commands' consumed position are appended in one atomic step, so a
 * crash anywhere leaves either both or neither: no command is decided twice or lost. The
 * decider's state (its own view file) is updated after that step; on start it is brought up to
 * the end of the events first, which repairs a crash between the two.
 */
export const decideCommands: LogFunction = {
  async start({ deps, trigger }: LogFunctionContext) {
    const state = deps.deciderState;
    const report = (error: Error) => deps.logger.error('decider state', { error });
    // An empty state on a compacted log starts from its snapshot (events/compaction/), and so does
    // a state of its own left behind the log's start (restartBehind).
    const restart = state === deps.view ? undefined : restartBehind(deps);
    const from = await replayStart(deps.log, deps.keys, state.cursor(), (events, through) => state.apply(events, through), report, restart);
    await readToEnd(deps.log, EVENTS, from, async (batch) => {
      state.apply(await openedEvents(batch.records, deps.keys, report), batch.next);
    });
    return deps.log.committed(trigger.group ?? DECIDER_GROUP, COMMANDS);
  },

  async handle(batch: LogBatch, { deps, trigger }: LogFunctionContext) {
    await deps.keys.refresh(new Set(batch.records.map((r) => r.key)));
    const commands = commandsOf(batch, deps.keys, deps.logger.error);
    const events = decideBatch(
      deps.deciderState,
      commands.map((c) => c.command),
    );
    const traces = new Map(commands.map((c) => [c.command.command_id, c.traceparent]));
    const records = events.map((event) => eventRecord(event, deps.keys, traces.get(event.command_id)));
    const erased = events.flatMap((event) => (event.kind === 'user_erased' ? [event.user_erased.user_id] : []));
    await shredKeys(erased, deps.keys);
    const positions = await deps.log.appendAndCommit(EVENTS, records, {
      group: trigger.group ?? DECIDER_GROUP,
      topic: COMMANDS,
      cursor: batch.next,
    });
    deps.deciderState.apply(events.map((event, i) => ({ event, ...positions[i], bytes: records[i].value })));
    if (erased.length > 0) deps.deciderState.scrub();
  },
};

/**
 * On Kafka the decider keeps a fold of its own (decider.db), brought forward only while this
 * replica decides: a replica that took no partitions for a while and takes them over after a
 * compaction finds it behind the log's start, where the events between are gone. It is emptied
 * and folded again from the snapshot and the tail (the start-up check does the same for a
 * stopped replica). Where the decider's state is the served view (the embedded log), nothing
 * trims under a running server, and replayStart refuses.
 */
function restartBehind(deps: LogFunctionContext['deps']): (applied: Cursor, start: Cursor) => void {
  return (applied, start) => {
    deps.logger.warn('decider state is behind the start of the log (compacted while this replica was not deciding): folding it again from the snapshot', {
      applied: applied.toString(),
      log_start: start.toString(),
    });
    deps.deciderState.reset();
  };
}

/**
 * Destroys the keys of the users a batch erases: after the batch's records are sealed (a change
 * decided before the erasure in the same batch still needs the key) and before they are appended,
 * so no UserErased is on the log while its key lives on. A crash in between leaves the key gone and
 * the erasure undecided: the commands are decided again, the erasure among them (the user's other
 * commands of the batch then read as erased: they were never acknowledged).
 */
async function shredKeys(userIds: string[], keys: KeyStore): Promise<void> {
  if (userIds.length === 0) return;
  for (const id of userIds) await keys.destroy(id);
  await keys.scrub();
}

/** Decides commands in order, each seeing the ones before it. */
export function decideBatch(stored: DeciderState, commands: Command[]): OpenEvent[] {
  const state = new BatchState(stored);
  const events: OpenEvent[] = [];
  for (const command of commands) {
    const event = decide(state, command);
    if (!event) continue;
    state.record(event);
    events.push(event);
  }
  return events;
}

/** Commands that do not decode were not written by our handlers; they are reported and skipped. */
function commandsOf(
  batch: LogBatch,
  keys: Keys,
  report: (msg: string, fields: Record<string, unknown>) => void,
): Array<{ command: Command; traceparent?: string }> {
  const commands: Array<{ command: Command; traceparent?: string }> = [];
  for (const record of batch.records) {
    try {
      commands.push({ command: decodeCommand(record, keys), traceparent: record.headers?.[TRACE_HEADER] });
    } catch (error) {
      // A sealed command that fails to open with its key is damage: the decider stops rather than skip a write.
      if (error instanceof DataLossError) throw error;
      report('skipping undecodable command', { topic: record.topic, partition: record.partition, offset: record.offset, error });
    }
  }
  return commands;
}
