import type { Contract } from '../../../proto/contract';
import { permissions } from '../../../runtime/security/accessPolicy';

describe('the read and write permissions of an access policy', () => {
  it('come from the contract: RPCs bound to GET are reads, the others writes, SyncUsers in halves', () => {
    const { read, write } = permissions();
    expect(read.sort()).toEqual(['GetUser', 'ListUsers', 'SyncUsers.subscribe', 'WatchUsers']);
    expect(write.sort()).toEqual(['CreateUser', 'DeleteUser', 'EraseUser', 'ImportUsers', 'SyncUsers.change', 'UpdateUser']);
    // The keys that open the log's records go only to an identity granted GetUserKeys by name.
    expect([...read, ...write]).not.toContain('GetUserKeys');
  });

  it('take in a new RPC by its HTTP verb, with no list to edit', () => {
    const binding = (name: string, verb: string) => ({ method: { name }, verb });
    const contract = { bindings: [binding('CountUsers', 'GET'), binding('MergeUsers', 'POST'), binding('SyncUsers', 'POST')] } as unknown as Contract;
    expect(permissions(contract)).toEqual({ read: ['SyncUsers.subscribe', 'CountUsers'], write: ['SyncUsers.change', 'MergeUsers'] });
  });
});
