import { changeOf } from '../../handlers/sync/changeOf';
import { ChangeType, type User, type UserEvent, type UserPlan } from '../../proto/messages';

const user = (plan: UserPlan, version: number): User => ({ id: 'u1', email: 'a@x.io', name: 'A', plan, created_at: null, updated_at: null, version });
const head = { command_id: 'c', request_id: '', occurred_at: null };
const updated = (before: User | null, after: User): UserEvent => ({
  ...head,
  kind: 'user_updated',
  user_updated: { user: after, changed_paths: ['plan'], previous: before },
});
const deleted = (before: User | null, after: User): UserEvent => ({ ...head, kind: 'user_deleted', user_deleted: { user: after, previous: before } });
const isPro = (u: User) => u.plan === 2;
const typeOf = (event: UserEvent, matches?: (u: User) => boolean) => changeOf(event, matches)?.type;

describe('changeOf: what an event means to a subscriber', () => {
  it('gives a subscriber without a filter every change as it is, never a transition', () => {
    expect(typeOf(updated(user(2, 1), user(1, 2)))).toBe(ChangeType.CHANGE_TYPE_UPDATED);
    expect(typeOf(deleted(user(1, 2), user(1, 3)))).toBe(ChangeType.CHANGE_TYPE_DELETED);
    expect(changeOf(updated(user(2, 1), user(1, 2)))).toMatchObject({ previous: { plan: 2 }, changed: { paths: ['plan'] } });
  });

  it.each([
    ['in, stays in', user(2, 1), user(2, 2), ChangeType.CHANGE_TYPE_UPDATED],
    ['in, leaves', user(2, 1), user(1, 2), ChangeType.CHANGE_TYPE_LEFT_FILTER],
    ['out, enters', user(1, 1), user(2, 2), ChangeType.CHANGE_TYPE_ENTERED_FILTER],
    ['out, stays out', user(1, 1), user(1, 2), undefined],
    // Written before before-images: an upsert when it matches, a (harmless) removal when not.
    ['unknown, matches', null, user(2, 2), ChangeType.CHANGE_TYPE_UPDATED],
    ['unknown, does not match', null, user(1, 2), ChangeType.CHANGE_TYPE_LEFT_FILTER],
  ])('an update of a user %s', (_case, before, after, type) => {
    expect(typeOf(updated(before, after), isPro)).toBe(type);
  });

  it('sends a real delete as DELETED, only to subscribers whose filter held the user', () => {
    expect(typeOf(deleted(user(2, 1), user(2, 2)), isPro)).toBe(ChangeType.CHANGE_TYPE_DELETED);
    expect(typeOf(deleted(user(1, 1), user(1, 2)), isPro)).toBeUndefined();
    expect(typeOf(deleted(null, user(2, 2)), isPro)).toBe(ChangeType.CHANGE_TYPE_DELETED);
  });

  it('means nothing for a rejected command', () => {
    expect(changeOf({ ...head, kind: 'command_rejected', command_rejected: { code: 10, reason: 'r', user_id: 'u1', field: '' } })).toBeUndefined();
  });
});
