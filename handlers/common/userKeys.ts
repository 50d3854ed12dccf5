import type { KeyStore } from '../../events/sealing/keyStore';
import { commandUserId, type OpenCommand } from '../../proto/messages';

/**
 * Gets every command ready to be sealed (events/sealing) before it is appended: a new user's key
 * is made, durable before its command reaches the log; the user of an update or deletion must have
 * one, or it was erased or never created, and the command is refused here (NOT_FOUND, as the
 * decider would say) without reaching the log. An erasure needs none: it is never sealed.
 * Returns the commands refused, with the NOT_FOUND message the decider would give.
 */
export async function userKeys(commands: OpenCommand[], keys: KeyStore): Promise<Map<OpenCommand, string>> {
  const created = commands.flatMap((c) => (c.kind === 'create_user' ? [c.create_user.user_id] : []));
  const changing = commands.filter((c) => c.kind === 'update_user' || c.kind === 'delete_user');
  await Promise.all([
    created.length > 0 ? keys.create(created) : undefined,
    changing.length > 0 ? keys.refresh(new Set(changing.map(commandUserId))) : undefined,
  ]);
  const refused = new Map<OpenCommand, string>();
  for (const command of changing) {
    const id = commandUserId(command);
    if (!keys.keyOf(id)) refused.set(command, `User ${id} not found`);
  }
  return refused;
}
