import { InvalidArgumentError } from '../../lib/errors';
import { UserPlan } from '../../proto/messages';
import { FIELDS, type FieldName } from './filterAst';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** Turns a filter literal into the value stored in the view for that field. */
export function convertValue(field: FieldName, text: string, at: number): string | number {
  switch (FIELDS[field].kind) {
    case 'text':
      return text;
    case 'enum':
      return planNumber(text, at);
    case 'time':
      return timeMillis(text, at);
    case 'number':
      return integer(text, at);
  }
}

function planNumber(text: string, at: number): number {
  const name = text.toUpperCase().replace(/^USER_PLAN_/, '');
  const value = (UserPlan as Record<string, number | undefined>)[`USER_PLAN_${name}`];
  if (value === undefined || name === 'UNSPECIFIED') {
    throw new InvalidArgumentError('filter', `unknown plan "${text}" at position ${at} (use FREE, PRO, ENTERPRISE or their USER_PLAN_ names)`);
  }
  return value;
}

function timeMillis(text: string, at: number): number {
  const ms = RFC3339.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) {
    throw new InvalidArgumentError('filter', `"${text}" at position ${at} is not an RFC 3339 time (quote it, e.g. "2024-01-31T12:00:00Z")`);
  }
  return ms;
}

function integer(text: string, at: number): number {
  if (!/^-?\d{1,15}$/.test(text)) throw new InvalidArgumentError('filter', `"${text}" at position ${at} is not an integer`);
  return Number(text);
}
