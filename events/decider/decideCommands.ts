import type { Command, UserEvent } from '../../proto/messages';
import { TRACE_HEADER, decodeCommand, eventRecord, positionedEvents } from '../codec';
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
    // An empty state on a compacted log starts from its snapshot (events/compaction/).
    const from = await replayStart(deps.log, state.cursor(), (events, through) => state.apply(events, through), report);
    await readToEnd(deps.log, EVENTS, from, (batch) => {
      state.apply(positionedEvents(batch.records, report), batch.next);
    });
    return deps.log.committed(trigger.group ?? DECIDER_GROUP, COMMANDS);
  },

  async handle(batch: LogBatch, { deps, trigger }: LogFunctionContext) {
    const commands = commandsOf(batch, deps.logger.error);
    const events = decideBatch(
      deps.deciderState,
      commands.map((c) => c.command),
    );
    const traces = new Map(commands.map((c) => [c.command.command_id, c.traceparent]));
    const records = events.map((event) => eventRecord(event, traces.get(event.command_id)));
    const positions = await deps.log.appendAndCommit(EVENTS, records, {
      group: trigger.group ?? DECIDER_GROUP,
      topic: COMMANDS,
      cursor: batch.next,
    });
    deps.deciderState.apply(events.map((event, i) => ({ event, ...positions[i], bytes: records[i].value })));
  },
};

/** Decides commands in order, each seeing the ones before it. */
export function decideBatch(stored: DeciderState, commands: Command[]): UserEvent[] {
  const state = new BatchState(stored);
  const events: UserEvent[] = [];
  for (const command of commands) {
    const event = decide(state, command);
    if (!event) continue;
    state.record(event);
    events.push(event);
  }
  return events;
}

/** Commands that do not decode were not written by our handlers; they are reported and skipped. */
function commandsOf(batch: LogBatch, report: (msg: string, fields: Record<string, unknown>) => void): Array<{ command: Command; traceparent?: string }> {
  const commands: Array<{ command: Command; traceparent?: string }> = [];
  for (const record of batch.records) {
    try {
      commands.push({ command: decodeCommand(record), traceparent: record.headers?.[TRACE_HEADER] });
    } catch (error) {
      report('skipping undecodable command', { topic: record.topic, partition: record.partition, offset: record.offset, error });
    }
  }
  return commands;
}
