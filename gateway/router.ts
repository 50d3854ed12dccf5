import { Code } from '../lib/code';
import { NotFoundError } from '../lib/errors';
import type { GatewayRoute } from './gatewayCall';
import { HttpError } from './httpErrors';
import { matchPath } from '../proto/pathTemplate';

/** Finds the route of an HTTP verb and path: 404 when no template matches, 405 (with Allow) when only the verb is wrong. */
export function findRoute(routes: GatewayRoute[], verb: string, pathname: string): { route: GatewayRoute; fields: Map<string, string> } {
  const allowed: string[] = [];
  for (const route of routes) {
    const fields = matchPath(route.binding.template, pathname);
    if (!fields) continue;
    if (route.binding.verb === verb) return { route, fields };
    allowed.push(route.binding.verb);
  }
  if (allowed.length > 0) {
    throw new HttpError(405, Code.UNIMPLEMENTED, `${pathname} does not take ${verb}; it takes ${allowed.join(', ')}`, { allow: allowed.join(', ') });
  }
  throw new NotFoundError(`no route for ${verb} ${pathname}; the routes are listed in /openapi.json`);
}
