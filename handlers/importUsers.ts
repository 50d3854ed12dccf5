import { Code } from '../lib/code';
import { ServiceError, toStatus } from '../lib/errors';
import type { CreateUserRequest, ImportError, ImportUsersResponse } from '../proto/messages';
import { createCommand } from './common/commands';
import { submitCommand } from './common/submitCommand';
import type { HandlerContext } from './handlerContext';

/** Creates in flight at once: enough to fill the log's group commits, few enough to bound memory. */
const WINDOW = 256;
const MAX_ERRORS = 100;
/** Failures of the service, not of one request: they stop the import instead of being listed. */
const SYSTEMIC = new Set([Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED, Code.CANCELLED, Code.INTERNAL]);

/**
 * ImportUsers: each request is a CreateUser. A request that fails on its own (bad email, taken
 * email) is counted and listed with its index; the rest go on. If the service itself fails,
 * the call fails, saying how far it got (requests with a request_id can then be resent safely).
 */
export async function importUsers(requests: AsyncIterable<CreateUserRequest>, ctx: HandlerContext): Promise<ImportUsersResponse> {
  const result: ImportUsersResponse = { created: 0, failed: 0, errors: [] };
  const inFlight = new Set<Promise<void>>();
  let systemic: { index: number; error: ServiceError } | undefined;
  let index = 0;

  const importOne = async (request: CreateUserRequest, at: number) => {
    const outcome = await submitCommand(createCommand(request, ctx), ctx);
    if (outcome.code === Code.OK) result.created++;
    else fail(at, outcome.code, outcome.message);
  };
  const fail = (at: number, code: number, message: string) => {
    result.failed++;
    result.errors.push({ index: at, code, message });
    // Keep memory bounded: any earlier failure still to come is at most a window behind.
    if (result.errors.length > MAX_ERRORS + WINDOW) result.errors = sortedErrors(result.errors);
  };

  for await (const request of requests) {
    if (systemic) break;
    const at = index++;
    const task = importOne(request, at).catch((error: unknown) => {
      const status = toStatus(error, (e) => ctx.deps.logger.error('import', { error: e }));
      if (SYSTEMIC.has(status.code)) systemic ??= { index: at, error: new ServiceError(status.code, status.message) };
      else fail(at, status.code, status.message);
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
    if (inFlight.size >= WINDOW) await Promise.race(inFlight);
  }
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
