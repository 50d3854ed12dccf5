import type { FieldName, FilterNode } from './filterAst';

export interface SqlWhere {
  sql: string;
  params: Array<string | number>;
}

/** Email compares case-insensitively, as its uniqueness does. */
const COLUMNS: Record<FieldName, string> = {
  id: 'id',
  email: 'email_lower',
  name: 'name',
  plan: 'plan',
  created_at: 'created_at',
  updated_at: 'updated_at',
  version: 'version',
};

/** Compiles a filter to a WHERE clause. Values only ever travel as bound parameters. */
export function filterToSql(node: FilterNode | undefined): SqlWhere {
  if (!node) return { sql: '1', params: [] };
  const params: Array<string | number> = [];
  const sql = compile(node, params);
  return { sql, params };
}

function compile(node: FilterNode, params: Array<string | number>): string {
  switch (node.type) {
    case 'and':
    case 'or':
      return `(${compile(node.left, params)} ${node.type.toUpperCase()} ${compile(node.right, params)})`;
    case 'not':
      return `(NOT ${compile(node.operand, params)})`;
    case 'compare': {
      const column = COLUMNS[node.field];
      const value = node.field === 'email' && typeof node.value === 'string' ? node.value.toLowerCase() : node.value;
      if (node.op === ':') {
        params.push(String(value).toLowerCase());
        return `(instr(lower(${column}), ?) > 0)`;
      }
      params.push(value);
      return `(${column} ${node.op} ?)`;
    }
  }
}
