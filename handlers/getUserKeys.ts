import { checkId } from '../events/decider/userRules';
import { InvalidArgumentError } from '../lib/errors';
import type { GetUserKeysRequest, GetUserKeysResponse } from '../proto/messages';
import { CURSOR_TRAILER, type HandlerContext } from './handlerContext';

const MAX_IDS = 1000;

/**
 * GetUserKeys: the keys that open users' sealed records, for subscribers outside the service
 * (a Lambda, `usersvc subscribe`, a consumer in another language) that read the log themselves.
 * An erased user's id comes back in `erased`. Grant it in the access policy only to such readers.
 */
export async function getUserKeys(request: GetUserKeysRequest, ctx: HandlerContext): Promise<GetUserKeysResponse> {
  if (request.ids.length > MAX_IDS) throw new InvalidArgumentError('ids', `has ${request.ids.length} ids; ask for at most ${MAX_IDS} at a time`);
  const ids = [...new Set(request.ids.map((id, i) => checkId(id, `ids[${i}]`)))];
  await ctx.deps.keys.refresh(ids);
  // As every answer from this replica: where its view stood (the keys are the store's, now).
  ctx.setTrailer(CURSOR_TRAILER, ctx.deps.cursors.format(ctx.deps.view.cursor()));
  const keys: Record<string, Buffer> = {};
  const erased: string[] = [];
  for (const id of ids) {
    const key = ctx.deps.keys.keyOf(id);
    if (key) keys[id] = key;
    else erased.push(id);
  }
  return { keys, erased };
}
