/** The parsed form of a filter, shared by the SQL compiler (views) and the predicate (feeds). */
export type Operator = '=' | '!=' | '<' | '>' | '<=' | '>=' | ':';

export type FieldName = 'id' | 'email' | 'name' | 'plan' | 'created_at' | 'updated_at' | 'version';

export type FilterNode =
  | { type: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { type: 'not'; operand: FilterNode }
  | { type: 'compare'; field: FieldName; op: Operator; value: string | number };

/** How each field may be compared, and the type its value is converted to. */
export const FIELDS: Record<FieldName, { kind: 'text' | 'enum' | 'time' | 'number'; ops: Operator[] }> = {
  id: { kind: 'text', ops: ['=', '!=', '<', '>', '<=', '>=', ':'] },
  email: { kind: 'text', ops: ['=', '!=', '<', '>', '<=', '>=', ':'] },
  name: { kind: 'text', ops: ['=', '!=', '<', '>', '<=', '>=', ':'] },
  plan: { kind: 'enum', ops: ['=', '!='] },
  created_at: { kind: 'time', ops: ['=', '!=', '<', '>', '<=', '>='] },
  updated_at: { kind: 'time', ops: ['=', '!=', '<', '>', '<=', '>='] },
  version: { kind: 'number', ops: ['=', '!=', '<', '>', '<=', '>='] },
};
