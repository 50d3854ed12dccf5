import { Code } from '../lib/code';
import { ServiceError, toStatus } from '../lib/errors';
import type { CreateUserRequest, ImportError, ImportUsersResponse, OpenCommand } from '../proto/messages';
import { createCommand } from './common/commands';
import { submitCommands } from './common/submitCommand';
import type { HandlerContext } from './handlerContext';

/**
 * Rows per append: the decider's batch size (serverless.yml), so a batch of rows is read by the
 * decider as one batch, decided in one transaction and made durable by one fsync.
 */
const BATCH = 500;
/** Batches in flight at once: the next rows are read and checked while the log decides the ones before. */
const BATCHES_IN_FLIGHT = 4;
const WINDOW = BATCH * BATCHES_IN_FLIGHT;
const MAX_ERRORS = 100;
/** Failures of the service, not of one request: they stop the import instead of being listed. */
const SYSTEMIC = new Set([Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED, Code.CANCELLED, Code.INTERNAL]);

interface Row {
  index: number;
  command: OpenCommand;
}

/**
 * ImportUsers: each request is a CreateUser. A request that fails on its own (bad email, taken
 * email) is counted and listed with its index; the rest go on. If the service itself fails,
 * the call fails, saying how far it got (requests with a request_id can then be resent safely).
 * Rows go to the log in batches (submitCommands): per row, the outcome is the one a CreateUser
 * of it alone would have had, deciding each row after the rows before it.
 */
export async function importUsers(requests: AsyncIterable<CreateUserRequest>, ctx: HandlerContext): Promise<ImportUsersResponse> {
  const result: ImportUsersResponse = { created: 0, failed: 0, errors: [] };
  const inFlight = new Set<Promise<void>>();
  let systemic: { index: number; error: ServiceError } | undefined;
  let index = 0;
  let batch: Row[] = [];

  const fail = (at: number, code: number, message: string) => {
    result.failed++;
    result.errors.push({ index: at, code, message });
    // Keep memory bounded: any earlier failure still to come is at most a window behind.
    if (result.errors.length > MAX_ERRORS + WINDOW) result.errors = sortedErrors(result.errors);
  };
  const failWith = (at: number, error: unknown) => {
    const status = toStatus(error, (e) => ctx.deps.logger.error('import', { error: e }));
    if (SYSTEMIC.has(status.code)) systemic ??= { index: at, error: new ServiceError(status.code, status.message) };
    else fail(at, status.code, status.message);
  };
  const submit = (rows: Row[]) => {
    const task = submitCommands(
      rows.map((row) => row.command),
      ctx,
    ).then(
      (outcomes) =>
        outcomes.forEach((outcome, i) => {
          if (outcome instanceof Error) failWith(rows[i].index, outcome);
          else if (outcome.code === Code.OK) result.created++;
          else fail(rows[i].index, outcome.code, outcome.message);
        }),
      (error: unknown) => failWith(rows[0].index, error),
    );
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  };

  for await (const request of requests) {
    if (systemic) break;
    const at = index++;
    try {
      batch.push({ index: at, command: createCommand(request, ctx) });
    } catch (error) {
      failWith(at, error);
      continue;
    }
    if (batch.length < BATCH) continue;
    submit(batch);
    batch = [];
    if (inFlight.size >= BATCHES_IN_FLIGHT) await Promise.race(inFlight);
  }
  if (batch.length > 0 && !systemic) submit(batch);
  await Promise.all(inFlight);
  if (systemic) {
    const { error } = systemic;
    throw new ServiceError(error.code, `import stopped near request ${systemic.index} after ${result.created} created: ${error.message}`);
  }
  result.errors = sortedErrors(result.errors);
  return result;
}

function sortedErrors(errors: ImportError[]): ImportError[] {
  return errors.sort((a, b) => a.index - b.index).slice(0, MAX_ERRORS);
}
