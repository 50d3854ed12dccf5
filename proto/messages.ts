/**
 * TypeScript shapes of the messages in proto/, as proto-loader and protobufjs hand them over with
 * our options: snake_case names, enums and int64 as numbers, defaults filled in, and a `kind`
 * field naming the member set in each oneof.
 */
import type { Timestamp } from '../lib/timestamp';

export enum UserPlan {
  UNSPECIFIED = 0,
  FREE = 1,
  PRO = 2,
  ENTERPRISE = 3,
}

export interface User {
  id: string;
  email: string;
  name: string;
  plan: UserPlan;
  created_at: Timestamp | null;
  updated_at: Timestamp | null;
  version: number;
}

export interface FieldMask {
  paths: string[];
}

export interface GetUserRequest {
  id: string;
}

export interface CreateUserRequest {
  email: string;
  name: string;
  plan: UserPlan;
  request_id: string;
}

export interface UpdateUserRequest {
  user: User | null;
  update_mask: FieldMask | null;
  expected_version: number;
  request_id: string;
}

export interface DeleteUserRequest {
  id: string;
  expected_version: number;
  request_id: string;
}

export interface DeleteUserResponse {
  id: string;
  version: number;
}

export interface ListUsersRequest {
  page_size: number;
  filter: string;
  page_token: string;
}

export interface ImportError {
  index: number;
  code: number;
  message: string;
}

export interface ImportUsersResponse {
  created: number;
  failed: number;
  errors: ImportError[];
}

export enum ChangeOp {
  UNSPECIFIED = 0,
  CREATE = 1,
  UPDATE = 2,
  DELETE = 3,
}

export interface UserChange {
  request_id: string;
  op: ChangeOp;
  user: User | null;
  update_mask: FieldMask | null;
  expected_version: number;
}

export interface SyncSubscribe {
  cursor: string;
  filter: string;
}

export type UserUpdate = { kind: 'subscribe'; subscribe: SyncSubscribe } | { kind: 'change'; change: UserChange } | { kind?: undefined };

export enum ChangeType {
  UNSPECIFIED = 0,
  SNAPSHOT = 1,
  CREATED = 2,
  UPDATED = 3,
  DELETED = 4,
  LEFT_FILTER = 5,
  ENTERED_FILTER = 6,
}

export interface ChangeEvent {
  type: ChangeType;
  user: User;
  cursor: string;
  previous?: User | null;
  changed?: FieldMask | null;
}

export interface WriteResult {
  request_id: string;
  code: number;
  message: string;
  user: User | null;
  cursor: string;
}

export type SyncResult = { event: ChangeEvent } | { caught_up: { cursor: string } } | { result: WriteResult } | { progress: { cursor: string } };

// ---- the log ----

export interface CreateUser {
  user_id: string;
  email: string;
  name: string;
  plan: UserPlan;
}

export interface UpdateUser {
  user_id: string;
  email: string;
  name: string;
  plan: UserPlan;
  paths: string[];
  expected_version: number;
}

export interface DeleteUser {
  user_id: string;
  expected_version: number;
}

export type Command = {
  command_id: string;
  request_id: string;
  issued_at: Timestamp | null;
  /** Empty on commands written before it existed (and decoded as an empty buffer). */
  request_digest?: Uint8Array;
} & ({ kind: 'create_user'; create_user: CreateUser } | { kind: 'update_user'; update_user: UpdateUser } | { kind: 'delete_user'; delete_user: DeleteUser });

export interface CommandRejected {
  code: number;
  reason: string;
  user_id: string;
  field: string;
  /** Empty on rejections written before it existed: the code's name stands in. */
  error_reason?: string;
  error_metadata?: Record<string, string>;
}

export type UserEvent = {
  command_id: string;
  request_id: string;
  occurred_at: Timestamp | null;
  request_digest?: Uint8Array;
} & (
  | { kind: 'user_created'; user_created: { user: User } }
  /** `previous` is null on events written before the decider recorded before-images. */
  | { kind: 'user_updated'; user_updated: { user: User; changed_paths: string[]; previous?: User | null } }
  | { kind: 'user_deleted'; user_deleted: { user: User; previous?: User | null } }
  | { kind: 'command_rejected'; command_rejected: CommandRejected }
);

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
  }
}
