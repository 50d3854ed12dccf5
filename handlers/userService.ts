import type { UserServiceHandlers } from '../proto/generated/userservice/UserService';
import { createUser } from './createUser';
import { deleteUser } from './deleteUser';
import { eraseUser } from './eraseUser';
import { getUser } from './getUser';
import { getUserKeys } from './getUserKeys';
import { importUsers } from './importUsers';
import { listUsers } from './listUsers';
import type { ServiceHandlers } from './serviceHandlers';
import { syncUsers } from './syncUsers';
import { updateUser } from './updateUser';
import { watchUsers } from './watchUsers';

/**
 * The handler of each RPC of userservice.UserService, checked by the compiler against the types
 * generated from proto/. serverless.yml deploys each as a function of its own and must name the
 * same one (the runtime refuses to start otherwise).
 */
export const userServiceHandlers: ServiceHandlers<UserServiceHandlers> = {
  GetUser: getUser,
  CreateUser: createUser,
  UpdateUser: updateUser,
  DeleteUser: deleteUser,
  EraseUser: eraseUser,
  GetUserKeys: getUserKeys,
  ListUsers: listUsers,
  ImportUsers: importUsers,
  SyncUsers: syncUsers,
  WatchUsers: watchUsers,
};
