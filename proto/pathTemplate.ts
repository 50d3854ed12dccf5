/**
 * The path templates of google.api.http rules, in the subset our contract uses: literal segments,
 * `{field.path}` variables matching one segment, and an optional `:verb` after the last segment
 * (`/v1/users/{user.id}`, `/v1/users:watch`).
 */
export interface PathTemplate {
  /** The template as written in the proto. */
  text: string;
  segments: Segment[];
  verb?: string;
}

type Segment = { literal: string } | { field: string };

const VARIABLE = /^\{([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)\}$/;

export function parsePathTemplate(text: string): PathTemplate {
  if (!text.startsWith('/')) throw new Error(`path template "${text}" must start with "/"`);
  let path = text.slice(1);
  let verb: string | undefined;
  // The verb follows the last segment, after its variable if it has one (`{id}:erase`); a colon
  // inside a `{variable}` would be a pattern (`{name=*}`), which we do not use.
  const lastSlash = path.lastIndexOf('/');
  const colon = path.indexOf(':', Math.max(lastSlash + 1, path.lastIndexOf('}') + 1));
  if (colon >= 0) {
    verb = path.slice(colon + 1);
    path = path.slice(0, colon);
  }
  const segments = path.split('/').map((segment): Segment => {
    const variable = VARIABLE.exec(segment);
    if (variable) return { field: variable[1] };
    if (/[{}=*]/.test(segment)) throw new Error(`path template "${text}": segment "${segment}" is not supported (only literals and {field})`);
    return { literal: segment };
  });
  return { text, segments, verb };
}

/** The field values bound by `pathname`, or undefined when it does not match. */
export function matchPath(template: PathTemplate, pathname: string): Map<string, string> | undefined {
  let path = pathname.startsWith('/') ? pathname.slice(1) : pathname;
  if (template.verb !== undefined) {
    if (!path.endsWith(`:${template.verb}`)) return undefined;
    path = path.slice(0, -(template.verb.length + 1));
  }
  const parts = path.split('/');
  // A colon in the last segment names a custom method (AIP-136): `/v1/users/{id}` does not take `/v1/users/x:erase`.
  if (template.verb === undefined && parts[parts.length - 1].includes(':')) return undefined;
  if (parts.length !== template.segments.length) return undefined;
  const bound = new Map<string, string>();
  for (let i = 0; i < parts.length; i++) {
    const segment = template.segments[i];
    if ('literal' in segment) {
      if (parts[i] !== segment.literal) return undefined;
    } else {
      if (parts[i] === '') return undefined;
      const value = decodeSegment(parts[i]);
      if (value === undefined) return undefined;
      bound.set(segment.field, value);
    }
  }
  return bound;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined; // malformed %-escape: no route, the caller answers 404
  }
}

/** The template with `{field}` written as OpenAPI's `{field}` parameter (the same syntax). */
export const templateFields = (template: PathTemplate): string[] => template.segments.flatMap((s) => ('field' in s ? [s.field] : []));
