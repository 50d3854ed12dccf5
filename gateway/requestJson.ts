import { ScalarType, type DescField, type DescMessage, type JsonObject, type JsonValue } from '@bufbuild/protobuf';
import { InvalidArgumentError } from '../lib/errors';
import type { HttpBinding } from '../proto/contract';

/** Well-known types whose JSON form is a string, so a query parameter can carry them. */
export const STRING_WKTS = new Set(['google.protobuf.FieldMask', 'google.protobuf.Timestamp', 'google.protobuf.Duration']);

/**
 * The JSON of a request message from an HTTP request, by the google.api.http mapping rules: the
 * body fills the field named by `body` (all of the message for `*`), path variables set their
 * fields, and every other field may come as a query parameter (`?update_mask=name,plan`, nested
 * ones dotted: `?user.name=x`). Names may be written as in the proto or in lowerCamelCase.
 */
export function requestJson(binding: HttpBinding, pathFields: Map<string, string>, query: URLSearchParams, body: JsonValue | undefined): JsonObject {
  const input = binding.method.input;
  let json: JsonObject = {};
  if (binding.body === '*') {
    if (body !== undefined) json = asObject(body, 'request body');
  } else if (binding.body !== '') {
    const field = fieldNamed(input, binding.body);
    if (body !== undefined && field) json[field.jsonName] = body;
  }
  for (const [path, value] of pathFields) {
    const { parent, field } = walk(input, json, path, `path variable {${path}}`);
    const given = parent[field.jsonName];
    if (given !== undefined && given !== '' && given !== value) {
      throw new InvalidArgumentError(path, `is "${value}" in the URL but "${String(given)}" in the body; leave it out of the body or make them equal`);
    }
    parent[field.jsonName] = value;
  }
  const bodyField = binding.body === '' ? undefined : binding.body;
  for (const key of new Set(query.keys())) {
    if (bodyField === '*')
      throw new InvalidArgumentError(key, `query parameters are not read on ${binding.verb} ${binding.template.text}: send every field in the JSON body`);
    const root = key.split('.')[0];
    if (bodyField !== undefined && sameField(input, root, bodyField))
      throw new InvalidArgumentError(key, `is part of the request body (\`${bodyField}\`); set it there, not in the query`);
    if ([...pathFields.keys()].some((p) => sameFieldPath(input, p, key)))
      throw new InvalidArgumentError(key, 'is bound by the URL path; it cannot also be a query parameter');
    const { parent, field } = walk(input, json, key, `query parameter "${key}"`);
    parent[field.jsonName] = queryValue(field, query.getAll(key), key);
  }
  return json;
}

function asObject(value: JsonValue, what: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidArgumentError(what, 'must be a JSON object');
  return value;
}

function fieldNamed(message: DescMessage, name: string): DescField | undefined {
  return message.fields.find((f) => f.name === name || f.jsonName === name);
}

const sameField = (message: DescMessage, a: string, b: string) => {
  const field = fieldNamed(message, a);
  return field !== undefined && field === fieldNamed(message, b);
};

function sameFieldPath(message: DescMessage, a: string, b: string): boolean {
  const as = a.split('.');
  const bs = b.split('.');
  if (as.length !== bs.length) return false;
  let current: DescMessage | undefined = message;
  for (let i = 0; i < as.length && current; i++) {
    const field = fieldNamed(current, as[i]);
    if (!field || field !== fieldNamed(current, bs[i])) return false;
    current = field.fieldKind === 'message' ? field.message : undefined;
  }
  return true;
}

/** Finds the field at a dotted path, creating the parent objects in `json` on the way. */
function walk(message: DescMessage, json: JsonObject, path: string, what: string): { parent: JsonObject; field: DescField } {
  const names = path.split('.');
  let current = message;
  let parent = json;
  for (let i = 0; ; i++) {
    const field = fieldNamed(current, names[i]);
    if (!field)
      throw new InvalidArgumentError(path, `${what} names no field of ${current.typeName}; its fields are ${current.fields.map((f) => f.jsonName).join(', ')}`);
    if (i === names.length - 1) return { parent, field };
    if (field.fieldKind !== 'message' || STRING_WKTS.has(field.message.typeName))
      throw new InvalidArgumentError(path, `${what}: ${field.name} has no fields inside`);
    const child = parent[field.jsonName];
    parent = parent[field.jsonName] = child !== null && typeof child === 'object' && !Array.isArray(child) ? child : {};
    current = field.message;
  }
}

/** A query string value as the JSON the field expects: strings are accepted for every scalar in
 * proto3 JSON (numbers, int64, enum names), so only booleans and lists need converting. */
function queryValue(field: DescField, values: string[], key: string): JsonValue {
  const one = (value: string): JsonValue => {
    if (field.scalar === ScalarType.BOOL) {
      if (value !== 'true' && value !== 'false') throw new InvalidArgumentError(key, `must be true or false, got "${value}"`);
      return value === 'true';
    }
    return value;
  };
  if (field.fieldKind === 'list') {
    if (field.listKind === 'message') throw new InvalidArgumentError(key, 'a list of messages cannot be a query parameter');
    return values.map(one);
  }
  if (field.fieldKind === 'map' || (field.fieldKind === 'message' && !STRING_WKTS.has(field.message.typeName))) {
    throw new InvalidArgumentError(key, `${field.name} is a message; set its fields as ${key}.<field>`);
  }
  if (values.length > 1) throw new InvalidArgumentError(key, `is given ${values.length} times; it takes one value`);
  return one(values[0]);
}
