import path from 'node:path';
import { WRITE_RETRY_WINDOW_MS } from '../client/retryWindow';
import type { KafkaSettings } from '../events/kafka/kafkaBackend';
import { formatDuration, parseDuration } from '../lib/duration';
import { ConfigError } from '../lib/startupErrors';
import type { TransportOptions } from './security/transportCredentials';

export interface ServiceOptions extends TransportOptions {
  addr: string;
  /** The --authz policy file; without one every caller may call everything. */
  authzFile?: string;
  /** host:port of the REST/JSON gateway; off when empty. */
  httpAddr?: string;
  /** Origins a browser page may call the gateway from (`*` for any); none when empty. */
  corsOrigins: string[];
  /** host:port of the Prometheus endpoint (GET /metrics); off when empty. */
  metricsAddr?: string;
  maxStreamsPerIdentity: number;
  maxConcurrentStreams: number;
  keepaliveMs: number;
  idleTimeoutMs: number;
  slowReaderMs: number;
  /** How long a filtered subscriber whose feed skipped changes waits at most for a Progress bookmark. */
  bookmarkMs: number;
  /** How many of the newest changes the feed keeps in memory; subscribers further behind read the log. */
  feedWindow: number;
  dataDir: string;
  /** Which log: the embedded SQLite file, or Kafka with these settings. */
  log: 'embedded' | 'kafka';
  kafka: KafkaSettings;
  unaryTimeoutMs: number;
  streamTimeoutMs: number;
  maxMessageBytes: number;
  shutdownGraceMs: number;
  /** A view out of step with its log, or corrupt, is rebuilt at start (true) or the start is refused (false). */
  autoRebuild: boolean;
  /** How long a request id's outcome answers its retries (log time); older ones are pruned and a retry applies as new. */
  requestIdRetentionMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/** Every option: its flag, its environment variable, its default and what it means (for --help). */
export const OPTION_SPECS = {
  addr: { env: 'USERSVC_ADDR', default: '127.0.0.1:50051', help: 'host:port to serve gRPC on (port 0 picks a free one)' },
  'http-addr': { env: 'USERSVC_HTTP_ADDR', default: '127.0.0.1:8080', help: 'host:port of the REST/JSON gateway and its browser page (empty: off)' },
  'cors-origins': { env: 'USERSVC_CORS_ORIGINS', default: '', help: 'origins allowed to call the gateway from a browser, comma-separated, or *' },
  data: { env: 'USERSVC_DATA_DIR', default: './data', help: 'data directory: the log and the SQLite views' },
  'unary-timeout-ms': { env: 'USERSVC_UNARY_TIMEOUT_MS', default: '30000', help: 'default deadline of unary calls' },
  'stream-timeout-ms': { env: 'USERSVC_STREAM_TIMEOUT_MS', default: '600000', help: 'default deadline of ListUsers and ImportUsers' },
  'max-message-bytes': { env: 'USERSVC_MAX_MESSAGE_BYTES', default: String(4 * 1024 * 1024), help: 'largest message received or sent' },
  'shutdown-grace-ms': { env: 'USERSVC_SHUTDOWN_GRACE_MS', default: '10000', help: 'how long SIGTERM waits for calls in flight' },
  'log-level': { env: 'USERSVC_LOG_LEVEL', default: 'info', help: 'debug, info, warn or error' },
  'tls-cert': { env: 'USERSVC_TLS_CERT', default: '', help: 'server certificate (PEM): serve TLS' },
  'tls-key': { env: 'USERSVC_TLS_KEY', default: '', help: 'private key of --tls-cert (PEM)' },
  'tls-ca': { env: 'USERSVC_TLS_CA', default: '', help: 'CA (PEM) that signs client certificates' },
  'require-client-cert': { env: 'USERSVC_REQUIRE_CLIENT_CERT', default: 'false', help: 'mutual TLS: refuse clients without a certificate from --tls-ca' },
  'insecure-anywhere': { env: 'USERSVC_INSECURE_ANYWHERE', default: 'false', help: 'allow plaintext on a non-loopback address' },
  'no-auto-rebuild': {
    env: 'USERSVC_NO_AUTO_REBUILD',
    default: 'false',
    help: 'refuse to start when a view is corrupt or out of step with the log, instead of rebuilding it',
  },
  'request-id-retention': {
    env: 'USERSVC_REQUEST_ID_RETENTION',
    default: '24h',
    help: `how long a request_id's outcome answers its retries (at least the client's ${formatDuration(WRITE_RETRY_WINDOW_MS)}); a retry after that applies as new`,
  },
  'metrics-addr': { env: 'USERSVC_METRICS_ADDR', default: '', help: 'host:port to serve Prometheus metrics on (GET /metrics)' },
  authz: { env: 'USERSVC_AUTHZ', default: '', help: 'access policy file (YAML): tokens, certificates, grants' },
  'max-streams-per-identity': { env: 'USERSVC_MAX_STREAMS_PER_IDENTITY', default: '100', help: 'open streams one caller may hold' },
  'max-concurrent-streams': { env: 'USERSVC_MAX_CONCURRENT_STREAMS', default: '100', help: 'concurrent calls on one HTTP/2 connection' },
  'keepalive-ms': { env: 'USERSVC_KEEPALIVE_MS', default: '60000', help: 'ping a connection quiet this long (dead peers are dropped)' },
  'slow-reader-ms': { env: 'USERSVC_SLOW_READER_MS', default: '30000', help: 'cut off a stream whose client reads nothing this long' },
  'bookmark-ms': {
    env: 'USERSVC_BOOKMARK_MS',
    default: '1000',
    help: 'send a watcher a Progress bookmark after its filter skipped changes and nothing was sent this long',
  },
  'feed-window': { env: 'USERSVC_FEED_WINDOW', default: '10000', help: 'newest changes kept in memory for subscribers (further behind, they read the log)' },
  'idle-timeout-ms': { env: 'USERSVC_IDLE_TIMEOUT_MS', default: '300000', help: 'close a connection with no calls for this long' },
  log: { env: 'USERSVC_LOG', default: 'embedded', help: 'the log: embedded (a SQLite file in --data) or kafka' },
  brokers: { env: 'KAFKA_BROKERS', default: '127.0.0.1:9092', help: 'Kafka bootstrap brokers, comma-separated' },
  'kafka-prefix': { env: 'USERSVC_KAFKA_PREFIX', default: '', help: 'prefix of every topic and group name on Kafka' },
  'kafka-partitions': { env: 'USERSVC_KAFKA_PARTITIONS', default: '3', help: 'partitions of users.events when it is created' },
  'kafka-replication': { env: 'USERSVC_KAFKA_REPLICATION', default: '1', help: 'replication factor of new topics (3 in production)' },
  'kafka-min-insync': { env: 'USERSVC_KAFKA_MIN_INSYNC', default: '2', help: 'min.insync.replicas of new topics (capped at the replication factor)' },
} as const;

export type OptionName = keyof typeof OPTION_SPECS;

/** Resolves options: flag first, then environment, then default; refuses what does not parse. */
export function resolveOptions(flags: Partial<Record<OptionName, string>>, env: NodeJS.ProcessEnv = process.env): ServiceOptions {
  const value = (name: OptionName) => flags[name] ?? env[OPTION_SPECS[name].env] ?? OPTION_SPECS[name].default;
  const level = value('log-level');
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new ConfigError(`--log-level must be debug, info, warn or error, got "${level}"`);
  const addr = value('addr');
  if (!/^[^\s]+:\d{1,5}$/.test(addr)) throw new ConfigError(`--addr must be host:port, got "${addr}"`);
  const httpAddr = value('http-addr');
  if (httpAddr !== '' && !/^[^\s]+:\d{1,5}$/.test(httpAddr)) throw new ConfigError(`--http-addr must be host:port or empty (off), got "${httpAddr}"`);
  const log = value('log');
  if (log !== 'embedded' && log !== 'kafka') throw new ConfigError(`--log must be embedded or kafka, got "${log}"`);
  const file = (name: OptionName) => value(name) || undefined;
  return {
    addr,
    tlsCert: file('tls-cert'),
    tlsKey: file('tls-key'),
    tlsCa: file('tls-ca'),
    requireClientCert: flag('require-client-cert', value('require-client-cert')),
    insecureAnywhere: flag('insecure-anywhere', value('insecure-anywhere')),
    autoRebuild: !flag('no-auto-rebuild', value('no-auto-rebuild')),
    requestIdRetentionMs: retention(value('request-id-retention')),
    authzFile: file('authz'),
    httpAddr: httpAddr || undefined,
    corsOrigins: value('cors-origins')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    metricsAddr: file('metrics-addr'),
    maxStreamsPerIdentity: positive('max-streams-per-identity', value('max-streams-per-identity')),
    maxConcurrentStreams: positive('max-concurrent-streams', value('max-concurrent-streams')),
    keepaliveMs: positive('keepalive-ms', value('keepalive-ms')),
    idleTimeoutMs: positive('idle-timeout-ms', value('idle-timeout-ms')),
    slowReaderMs: positive('slow-reader-ms', value('slow-reader-ms')),
    bookmarkMs: positive('bookmark-ms', value('bookmark-ms')),
    feedWindow: positive('feed-window', value('feed-window')),
    dataDir: path.resolve(value('data')),
    log,
    kafka: {
      brokers: value('brokers')
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
      prefix: value('kafka-prefix'),
      eventPartitions: positive('kafka-partitions', value('kafka-partitions')),
      replicationFactor: positive('kafka-replication', value('kafka-replication')),
      minInsyncReplicas: positive('kafka-min-insync', value('kafka-min-insync')),
    },
    unaryTimeoutMs: number('unary-timeout-ms', value('unary-timeout-ms')),
    streamTimeoutMs: number('stream-timeout-ms', value('stream-timeout-ms')),
    maxMessageBytes: number('max-message-bytes', value('max-message-bytes')),
    shutdownGraceMs: number('shutdown-grace-ms', value('shutdown-grace-ms')),
    logLevel: level as ServiceOptions['logLevel'],
  };
}

/** Shorter than the client library resends a write, a resend could be applied twice. */
function retention(text: string): number {
  const ms = parseDuration(text, 'request-id-retention');
  if (ms < WRITE_RETRY_WINDOW_MS) {
    throw new ConfigError(
      `--request-id-retention must be at least ${formatDuration(WRITE_RETRY_WINDOW_MS)}, how long the client library resends a write with the same request_id; got "${text}"`,
    );
  }
  return ms;
}

/** On/off options: `--flag` alone, or true/false/1/0 from the environment. */
function flag(name: string, text: string): boolean {
  if (['true', '1', 'yes'].includes(text)) return true;
  if (['false', '0', 'no', ''].includes(text)) return false;
  throw new ConfigError(`--${name} is on or off (true/false), got "${text}"`);
}

function positive(name: string, text: string): number {
  const n = number(name, text);
  if (n < 1) throw new ConfigError(`--${name} must be at least 1, got "${text}"`);
  return n;
}

function number(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`--${name} must be a whole number >= 0, got "${text}"`);
  return n;
}
