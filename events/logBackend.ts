import type { Logger } from '../lib/logger';
import type { EventLog } from './eventLog';
import type { KeyStore } from './sealing/keyStore';

/**
 * What differs between the log backends, beyond the EventLog contract they share: how to open
 * one, what it calls itself, which local files it implies and how to name it on a command line.
 * Each backend implements it beside its log (events/embedded, events/kafka); the runtime picks
 * one from the options in one place (runtime/logBackend.ts) and asks it, never which log it is.
 */
export interface LogBackend {
  /** Where the log lives, for operators: its file, or the brokers and the topic prefix. */
  readonly location: string;
  /** What reading a record checks besides decoding it (`usersvc verify`); empty when nothing. */
  readonly recordCheck: string;
  /** The flags that select this log on a `usersvc` command line (none for the default). */
  readonly flags: string[];
  /** The bootstrap servers a Lambda-shaped subscriber's event names. */
  readonly bootstrapServers: string;
  /**
   * Whether the decider folds the events into a file of its own (decider.db) rather than into
   * the view: so it does when it may run in another process than this one's projector (on Kafka
   * the group fails it over between replicas) and must never wait for that projector.
   */
  readonly separateDeciderState: boolean;
  /**
   * Whether the log's records are files of the data directory, so that a process that only reads
   * the log (`usersvc subscribe`) must still take the directory (store/dataDirLock.ts).
   */
  readonly storedInDataDir: boolean;
  /** Opens the log; the caller holds the data directory's lock. */
  open(logger: Logger): Promise<EventLog>;
  /** Opens the key store that follows this log (keys.db beside log.db; a compacted topic on Kafka). */
  openKeys(log: EventLog, logger: Logger): Promise<KeyStore>;
}
