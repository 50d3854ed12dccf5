import { UserPlan, type User } from '../../proto/messages';

/** The user every baseline answers with: the shape and sizes of a real one. */
export function benchUser(i: number): User {
  const at = { seconds: 1_764_000_000 + i, nanos: 123_000_000 };
  return {
    id: `V1StGXR8_Z5jdHi6B-${String(i % 1000).padStart(3, '0')}`,
    email: `user${i}@example.com`,
    name: `User Number ${i}`,
    plan: UserPlan.USER_PLAN_PRO,
    created_at: at,
    updated_at: at,
    version: 1,
  };
}

/** The same user in proto3 JSON, as the gateway writes it. */
export function benchUserJson(i: number): Record<string, string> {
  const u = benchUser(i); // created_at below is the same instant, in RFC 3339
  const at = new Date(1_764_000_000_000 + i * 1000 + 123).toISOString();
  return { id: u.id, email: u.email, name: u.name, plan: 'USER_PLAN_PRO', createdAt: at, updatedAt: at, version: String(u.version) };
}
