import { millisFromTimestamp } from '../../lib/timestamp';
import type { User } from '../../proto/messages';
import type { FieldName, FilterNode } from './filterAst';

/** The value of a field as the view stores it, so the predicate agrees with the SQL. */
function fieldValue(user: User, field: FieldName): string | number {
  switch (field) {
    case 'email':
      return user.email.toLowerCase();
    case 'created_at':
      return millisFromTimestamp(user.created_at);
    case 'updated_at':
      return millisFromTimestamp(user.updated_at);
    case 'version':
      return Number(user.version);
    default:
      return user[field];
  }
}

/** Compiles a filter to a test on one user, for feeds that filter events as they pass. */
export function filterToPredicate(node: FilterNode | undefined): (user: User) => boolean {
  if (!node) return () => true;
  return (user) => evaluate(node, user);
}

function evaluate(node: FilterNode, user: User): boolean {
  switch (node.type) {
    case 'and':
      return evaluate(node.left, user) && evaluate(node.right, user);
    case 'or':
      return evaluate(node.left, user) || evaluate(node.right, user);
    case 'not':
      return !evaluate(node.operand, user);
    case 'compare':
      return compare(fieldValue(user, node.field), node.op, node.field === 'email' && typeof node.value === 'string' ? node.value.toLowerCase() : node.value);
  }
}

function compare(actual: string | number, op: string, expected: string | number): boolean {
  switch (op) {
    case ':':
      return String(actual).toLowerCase().includes(String(expected).toLowerCase());
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '<':
      return actual < expected;
    case '>':
      return actual > expected;
    case '<=':
      return actual <= expected;
    default:
      return actual >= expected;
  }
}
