import { InvalidArgumentError } from '../../lib/errors';
import { UserPlan } from '../../proto/messages';

/** Paths an update may name. */
export const UPDATABLE_PATHS = ['email', 'name', 'plan'] as const;
export type UpdatablePath = (typeof UPDATABLE_PATHS)[number];

const MAX_NAME = 200;
const MAX_EMAIL = 254;
// Deliberately plain: one @, no spaces, a dot in the domain. Deliverability is not ours to judge.
const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/u;
const CONTROL = /\p{Cc}/u;

/** The email to store, or INVALID_ARGUMENT naming `field`. Surrounding blanks are dropped. */
export function checkEmail(email: string, field = 'email'): string {
  const trimmed = email.trim();
  if (trimmed === '') throw new InvalidArgumentError(field, 'is required');
  if (trimmed.length > MAX_EMAIL) throw new InvalidArgumentError(field, `is longer than ${MAX_EMAIL} characters`);
  if (CONTROL.test(trimmed) || !EMAIL.test(trimmed)) {
    throw new InvalidArgumentError(field, `"${printable(trimmed)}" is not a valid email address (expected name@domain.tld)`);
  }
  return trimmed;
}

/** The name to store (trimmed), 1 to 200 characters with no control characters. */
export function checkName(name: string, field = 'name'): string {
  const trimmed = name.trim();
  const length = [...trimmed].length;
  if (length === 0) throw new InvalidArgumentError(field, 'is required (1 to 200 characters)');
  if (length > MAX_NAME) throw new InvalidArgumentError(field, `has ${length} characters; at most ${MAX_NAME} are allowed`);
  if (CONTROL.test(trimmed)) throw new InvalidArgumentError(field, 'contains control characters');
  return trimmed;
}

/** A known plan; UNSPECIFIED becomes FREE when `defaultFree` (a create), else is refused. */
export function checkPlan(plan: number, field = 'plan', defaultFree = true): UserPlan {
  if (plan === UserPlan.USER_PLAN_UNSPECIFIED && defaultFree) return UserPlan.USER_PLAN_FREE;
  if (plan === UserPlan.USER_PLAN_FREE || plan === UserPlan.USER_PLAN_PRO || plan === UserPlan.USER_PLAN_ENTERPRISE) return plan;
  throw new InvalidArgumentError(field, `${plan} is not a plan (use USER_PLAN_FREE, USER_PLAN_PRO or USER_PLAN_ENTERPRISE)`);
}

export function checkPaths(paths: string[], field = 'update_mask'): UpdatablePath[] {
  for (const path of paths) {
    if (!(UPDATABLE_PATHS as readonly string[]).includes(path)) {
      throw new InvalidArgumentError(field, `unknown path "${printable(path)}" (updatable: ${UPDATABLE_PATHS.join(', ')})`);
    }
  }
  return [...new Set(paths)] as UpdatablePath[];
}

export function checkId(id: string, field = 'id'): string {
  if (id === '') throw new InvalidArgumentError(field, 'is required');
  if (id.length > 64 || CONTROL.test(id)) throw new InvalidArgumentError(field, 'is not a user id');
  return id;
}

export function checkExpectedVersion(version: number, field = 'expected_version'): number {
  if (!Number.isSafeInteger(version) || version < 0) throw new InvalidArgumentError(field, 'must be 0 (any) or a positive version');
  return version;
}

/** Quotes user text in messages without letting control characters through. */
function printable(text: string): string {
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return shown.replace(/\p{Cc}/gu, '?');
}
