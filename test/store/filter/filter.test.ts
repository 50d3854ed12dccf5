import { timestampFromMillis } from '../../../lib/timestamp';
import type { User, UserEvent } from '../../../proto/messages';
import { encodeMessage, messageType } from '../../../proto/schema';
import { filterToPredicate } from '../../../store/filter/filterToPredicate';
import { filterToSql } from '../../../store/filter/filterToSql';
import { parseFilter } from '../../../store/filter/parseFilter';
import { openDatabase } from '../../../store/openDatabase';
import { createProjection } from '../../../store/projection';
import { migrateView } from '../../../store/viewSchema';
import { Code } from '../../../lib/code';

const at = (iso: string) => timestampFromMillis(Date.parse(iso));
const users: User[] = [
  { id: 'u1', email: 'Ann@Example.com', name: 'Ann', plan: 1, created_at: at('2024-01-01T00:00:00Z'), updated_at: at('2024-01-02T00:00:00Z'), version: 1 },
  { id: 'u2', email: 'bo@corp.io', name: 'Bo Ali', plan: 2, created_at: at('2024-06-01T00:00:00Z'), updated_at: at('2024-06-01T00:00:00Z'), version: 3 },
  { id: 'u3', email: 'cy@corp.io', name: "Cy 'quoted'", plan: 3, created_at: at('2025-01-01T00:00:00Z'), updated_at: at('2025-02-01T00:00:00Z'), version: 2 },
];

describe('filters', () => {
  const db = openDatabase(':memory:');
  migrateView(db, ':memory:', 'test-log');
  createProjection(db).apply(
    users.map((user, offset) => {
      const event: UserEvent = { command_id: `c${offset}`, request_id: '', occurred_at: null, kind: 'user_created', user_created: { user } };
      return { event, partition: 0, offset, bytes: encodeMessage(messageType('userservice.UserEvent'), event) };
    }),
  );
  afterAll(() => db.close());

  const viaSql = (filter: string) => {
    const where = filterToSql(parseFilter(filter));
    return (db.prepare(`SELECT id FROM users WHERE ${where.sql} ORDER BY id`).all(...where.params) as Array<{ id: string }>).map((r) => r.id);
  };
  const viaPredicate = (filter: string) => users.filter(filterToPredicate(parseFilter(filter))).map((u) => u.id);

  it.each([
    ['', ['u1', 'u2', 'u3']],
    ['plan = PRO', ['u2']],
    ['plan = USER_PLAN_ENTERPRISE OR plan = free', ['u1', 'u3']],
    ['email = "ann@example.COM"', ['u1']],
    ['email : "CORP"', ['u2', 'u3']],
    ['name : "ali" OR name : "ANN"', ['u1', 'u2']],
    ['NOT (plan = PRO)', ['u1', 'u3']],
    ['email : "corp" plan != PRO', ['u3']],
    ['version = 1 OR version = 2', ['u1', 'u3']],
    ['version >= 2 AND version < 3', ['u3']],
    ['created_at >= "2024-06-01T00:00:00Z"', ['u2', 'u3']],
    ['updated_at < "2024-06-01T02:00:00+01:00"', ['u1', 'u2']],
    ['id > u1', ['u2', 'u3']],
    [`name = "Cy 'quoted'"`, ['u3']],
    [`name = 'Cy \\'quoted\\''`, ['u3']],
  ])('%s selects the same users in SQL and in memory', (filter, expected) => {
    expect(viaSql(filter)).toEqual(expected);
    expect(viaPredicate(filter)).toEqual(expected);
  });

  it('binds every value as a parameter', () => {
    const where = filterToSql(parseFilter(`name = "x'); DROP TABLE users; --" OR email : "%"`));
    expect(where.sql).not.toContain('DROP');
    expect(where.params).toEqual(["x'); DROP TABLE users; --", '%']);
    expect(viaSql(`email : "%"`)).toEqual([]);
  });

  it.each(['plan', 'plan =', '= PRO', 'plan = PRO AND', 'plan = PRO)', '((plan = PRO)', 'NOT', 'name ~ "x"', 'plan = PRO OR OR plan = FREE'])(
    'refuses %j with INVALID_ARGUMENT on filter',
    (filter) => {
      expect(() => parseFilter(filter)).toThrow(expect.objectContaining({ code: Code.INVALID_ARGUMENT, field: 'filter' }));
    },
  );

  it('refuses filters nested too deep or too long instead of overflowing the stack', () => {
    expect(() => parseFilter(`${'('.repeat(100)}plan = PRO${')'.repeat(100)}`)).toThrow(/nested deeper/);
    expect(() => parseFilter(`name = "${'x'.repeat(5000)}"`)).toThrow(/longer than/);
  });
});
