/**
 * The messages of proto/ as the service's code names them. Every shape comes from
 * proto/generated/ (proto-loader-gen-types, run by `npm run build`), in the options the runtime
 * decodes with: snake_case names, enums and int64 as numbers, defaults filled in, and a `kind`
 * field naming the member set in each oneof. Nothing here restates a field: a change to a
 * .proto changes these types, and the compiler shows every place it touches.
 *
 * The `__Output` shapes (every field present) are the ones used throughout: a handler receives
 * them, and the service builds complete messages. Only the oneofs are reshaped, into unions
 * that TypeScript narrows on `kind`.
 */
import type { ChangeEvent__Output } from './generated/userservice/ChangeEvent';
import { ChangeOp as ChangeOpValues, type ChangeOp__Output } from './generated/userservice/ChangeOp';
import { ChangeType as ChangeTypeValues, type ChangeType__Output } from './generated/userservice/ChangeType';
import type { Command__Output } from './generated/userservice/Command';
import type { CommandRejected__Output } from './generated/userservice/CommandRejected';
import type { CreateUser__Output } from './generated/userservice/CreateUser';
import type { CreateUserRequest__Output } from './generated/userservice/CreateUserRequest';
import type { DeleteUser__Output } from './generated/userservice/DeleteUser';
import type { EraseUser__Output } from './generated/userservice/EraseUser';
import type { EraseUserRequest__Output } from './generated/userservice/EraseUserRequest';
import type { EraseUserResponse__Output } from './generated/userservice/EraseUserResponse';
import type { GetUserKeysRequest__Output } from './generated/userservice/GetUserKeysRequest';
import type { GetUserKeysResponse__Output } from './generated/userservice/GetUserKeysResponse';
import type { Sealed__Output } from './generated/userservice/Sealed';
import type { UserErased__Output } from './generated/userservice/UserErased';
import type { DeleteUserRequest__Output } from './generated/userservice/DeleteUserRequest';
import type { DeleteUserResponse__Output } from './generated/userservice/DeleteUserResponse';
import type { GetUserRequest__Output } from './generated/userservice/GetUserRequest';
import type { ImportError__Output } from './generated/userservice/ImportError';
import type { ImportUsersResponse__Output } from './generated/userservice/ImportUsersResponse';
import type { ListUsersRequest__Output } from './generated/userservice/ListUsersRequest';
import type { SyncResult } from './generated/userservice/SyncResult';
import type { SyncSubscribe__Output } from './generated/userservice/SyncSubscribe';
import type { UpdateUser__Output } from './generated/userservice/UpdateUser';
import type { UpdateUserRequest__Output } from './generated/userservice/UpdateUserRequest';
import type { User__Output } from './generated/userservice/User';
import type { UserChange__Output } from './generated/userservice/UserChange';
import type { UserCreated__Output } from './generated/userservice/UserCreated';
import type { UserDeleted__Output } from './generated/userservice/UserDeleted';
import type { UserEvent__Output } from './generated/userservice/UserEvent';
import type { UserUpdated__Output } from './generated/userservice/UserUpdated';
import { UserPlan as UserPlanValues, type UserPlan__Output } from './generated/userservice/UserPlan';
import type { UserUpdate__Output } from './generated/userservice/UserUpdate';
import type { WriteResult__Output } from './generated/userservice/WriteResult';
import type { FieldMask__Output } from './generated/google/protobuf/FieldMask';

/** The members a oneof's `kind` can name. */
type Members<T, K extends keyof T> = Extract<NonNullable<T[K]>, keyof T>;

/**
 * A message with a oneof as a union with one variant per member: `kind` names it, and that member
 * is present (never null). proto-loader's shape has every member optional, which narrows nothing.
 */
export type OneOf<T, K extends keyof T> = {
  [M in Members<T, K>]: Omit<T, K | Members<T, K>> & { [P in K]: M } & { [P in M]: NonNullable<T[M]> };
}[Members<T, K>];

/** The same, for a message whose oneof a client may leave unset. */
export type MaybeOneOf<T, K extends keyof T> = OneOf<T, K> | (Omit<T, K | Members<T, K>> & { [P in K]?: undefined });

/**
 * Fields that appeared after the first records were written. The service leaves them out when
 * they are empty rather than write an empty value: protobufjs encodes every field an object
 * holds, so an empty one would add bytes to each record (and change what the log has held).
 */
type Sparse<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

/** A change event's member: the decider always writes the user, and the codec refuses one without. */
type Changed<T> = Omit<T, 'user'> & { user: User };

export const UserPlan = UserPlanValues;
export type UserPlan = UserPlan__Output;
export const ChangeOp = ChangeOpValues;
export type ChangeOp = ChangeOp__Output;
export const ChangeType = ChangeTypeValues;
export type ChangeType = ChangeType__Output;

export type User = User__Output;
export type FieldMask = FieldMask__Output;
export type GetUserRequest = GetUserRequest__Output;
export type CreateUserRequest = CreateUserRequest__Output;
export type UpdateUserRequest = UpdateUserRequest__Output;
export type DeleteUserRequest = DeleteUserRequest__Output;
export type DeleteUserResponse = DeleteUserResponse__Output;
export type ListUsersRequest = ListUsersRequest__Output;
export type EraseUserRequest = EraseUserRequest__Output;
export type EraseUserResponse = EraseUserResponse__Output;
export type GetUserKeysRequest = GetUserKeysRequest__Output;
export type GetUserKeysResponse = GetUserKeysResponse__Output;
export type ImportError = ImportError__Output;
export type ImportUsersResponse = ImportUsersResponse__Output;
export type UserChange = UserChange__Output;
export type SyncSubscribe = SyncSubscribe__Output;
export type UserUpdate = MaybeOneOf<UserUpdate__Output, 'kind'>;
export type ChangeEvent = ChangeEvent__Output;
export type WriteResult = WriteResult__Output;
/** What SyncUsers sends: the input shape, so a message names only the member it carries. */
export type { SyncResult };

// ---- the log ----

export type CreateUser = CreateUser__Output;
export type UpdateUser = UpdateUser__Output;
export type DeleteUser = DeleteUser__Output;
export type EraseUser = EraseUser__Output;
export type UserErased = UserErased__Output;
/** A record sealed with its user's key (events/sealing). Past the codec, only one whose key is gone (erased) stays sealed. */
export type Sealed = Sealed__Output;
/**
 * The decider only reads commands the service wrote, each with one member set (the codec checks).
 * `sealed` is one the codec could not open: its user was erased before it was decided.
 */
export type Command = OneOf<Sparse<Command__Output, 'request_digest'>, 'kind'>;
/** A command with its contents in the clear, as a handler makes it (before the codec seals it). */
export type OpenCommand = Exclude<Command, { kind: 'sealed' }>;
export type CommandRejected = Sparse<CommandRejected__Output, 'error_reason' | 'error_metadata'>;
export type UserUpdated = Changed<UserUpdated__Output>;
export type UserDeleted = Changed<UserDeleted__Output>;
type EventMembers = {
  user_created?: Changed<UserCreated__Output> | null;
  user_updated?: UserUpdated | null;
  user_deleted?: UserDeleted | null;
  command_rejected?: CommandRejected | null;
  user_erased?: UserErased | null;
  sealed?: Sealed | null;
};
/**
 * An event as the decider writes it and every reader gets it: one member set (the codec checks).
 * `sealed` is one the codec could not open: its user was erased, and only its command_id,
 * request_id and time can still be read.
 */
export type UserEvent = OneOf<Sparse<Omit<UserEvent__Output, keyof EventMembers>, 'request_digest'> & EventMembers, 'kind'>;
/** An event with its contents in the clear, as the decider makes it (before the codec seals it). */
export type OpenEvent = Exclude<UserEvent, { kind: 'sealed' }>;

/** The user an event is about: the after-image of a change, undefined for a rejection. */
export function userOf(event: UserEvent): User | undefined {
  switch (event.kind) {
    case 'user_created':
      return event.user_created.user;
    case 'user_updated':
      return event.user_updated.user;
    case 'user_deleted':
      return event.user_deleted.user;
    default:
      return undefined;
  }
}

/** The user a command is about. */
export function commandUserId(command: Command): string {
  switch (command.kind) {
    case 'create_user':
      return command.create_user.user_id;
    case 'update_user':
      return command.update_user.user_id;
    case 'delete_user':
      return command.delete_user.user_id;
    case 'erase_user':
      return command.erase_user.user_id;
    case 'sealed':
      return command.sealed.user_id;
  }
}

/** The user an event is about, whatever its kind ('' for a rejection that names none). */
export function eventUserId(event: UserEvent): string {
  switch (event.kind) {
    case 'command_rejected':
      return event.command_rejected.user_id;
    case 'user_erased':
      return event.user_erased.user_id;
    case 'sealed':
      return event.sealed.user_id;
    default:
      return userOf(event)?.id ?? '';
  }
}
