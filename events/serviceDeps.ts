import type { CursorText } from '../lib/cursorText';
import type { Logger } from '../lib/logger';
import type { UserView } from '../store/userView';
import type { ChangeFeed } from './changeFeed';
import type { EventLog } from './eventLog';
import type { KeyStore } from './sealing/keyStore';

/** Everything the service's functions share. Built once by the runtime; functions keep no state of their own. */
export interface ServiceDeps {
  log: EventLog;
  /** The per-user keys the log's records are sealed with; destroying one erases its user. */
  keys: KeyStore;
  /** The view handlers answer from, fed by the projector. */
  view: UserView;
  /** The decider's fold of the events: on Kafka a second view file, so deciding never waits on the
   * projector; on the embedded log the view itself (runtime/openViews.ts). */
  deciderState: UserView;
  feed: ChangeFeed;
  /** Writes and reads cursors as clients see them: bound to this log's identity. */
  cursors: CursorText;
  logger: Logger;
  /** ms since the epoch; read by handlers only, so the decider stays deterministic. */
  clock: () => number;
  newId: () => string;
}
