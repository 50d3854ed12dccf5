import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { COMMANDS, EVENTS } from '../events/eventLog';
import type { LogFunction, LogTrigger } from '../events/logFunction';
import type { LambdaKafkaEvent } from '../events/subscribers/lambdaKafkaEvent';
import { parseStartPosition, type StartPosition } from '../events/subscribers/positionGroup';
import type { MethodKind } from './call/runCall';
import { HANDLERS_FILE, type ServiceMethod } from './serviceMethods';

export interface RpcBinding {
  function: string;
  method: string;
  kind: MethodKind;
  handler: (...args: never[]) => unknown;
  /** Server-side default deadline; 0 = none (live feeds). */
  timeoutMs?: number;
}

export interface LogBinding {
  function: string;
  fn: LogFunction;
  trigger: LogTrigger;
}

/** A Lambda-shaped subscriber: `handler(event)` with the AWS Lambda Kafka event. */
export interface SubscriberBinding {
  function: string;
  handler: (event: LambdaKafkaEvent) => Promise<unknown>;
  topic: string;
  group: string;
  batchSize: number;
  from: StartPosition;
}

export interface Wiring {
  rpcs: RpcBinding[];
  logFunctions: LogBinding[];
  subscribers: SubscriberBinding[];
}

/** A mistake in serverless.yml, reported at start-up with the function and key at fault. */
export class ServerlessConfigError extends Error {}

interface FunctionSpec {
  handler?: unknown;
  events?: unknown;
}

/**
 * Reads serverless.yml and resolves every function to its code. A handler names its built file as
 * it lies in the package (`dist/<file>.<export>`); `codeRoot` is where this process finds that build
 * (`dist/` itself, or the sources when tests run the TypeScript). `methods` are the service's RPCs
 * with their handlers (handlers/userService.ts): each must be bound exactly once, by a function
 * naming that very handler, and nothing may name a method that is not there.
 */
export function loadWiring(file: string, codeRoot: string, methods: Map<string, ServiceMethod>): Wiring {
  const doc = parse(readFileSync(file, 'utf8')) as { functions?: Record<string, FunctionSpec> } | null;
  const functions = doc?.functions;
  if (!functions || typeof functions !== 'object') throw new ServerlessConfigError(`${file}: no "functions" map`);
  const wiring: Wiring = { rpcs: [], logFunctions: [], subscribers: [] };
  for (const [name, spec] of Object.entries(functions)) {
    const where = `${path.basename(file)}: function "${name}"`;
    const code = resolveHandler(spec?.handler, codeRoot, where);
    const events = spec?.events;
    if (!Array.isArray(events) || events.length !== 1) throw new ServerlessConfigError(`${where}: needs exactly one entry under "events"`);
    const [type, config] = Object.entries(events[0] as Record<string, Record<string, unknown>>)[0] ?? [];
    if (type === 'grpc') wiring.rpcs.push(grpcBinding(name, code, config ?? {}, methods, where));
    else if (type === 'log') wiring.logFunctions.push(logBinding(name, code, config ?? {}, where));
    else if (type === 'kafka') wiring.subscribers.push(subscriberBinding(name, code, config ?? {}, where));
    else throw new ServerlessConfigError(`${where}: unknown trigger "${type}" (known: grpc, log, kafka)`);
  }
  for (const [method, { handlerName }] of methods) {
    const bound = wiring.rpcs.filter((r) => r.method === method).length;
    if (bound === 0)
      throw new ServerlessConfigError(
        `${path.basename(file)}: RPC ${method} (handler ${handlerName} in ${HANDLERS_FILE}) has no function; add one with a grpc trigger`,
      );
    if (bound > 1) throw new ServerlessConfigError(`${path.basename(file)}: RPC ${method} is bound to ${bound} functions; it needs exactly one`);
  }
  return wiring;
}

/** The folder of the build inside the package, which every handler path starts with. */
const BUILD_DIR = 'dist/';

function resolveHandler(handler: unknown, codeRoot: string, where: string): unknown {
  const match = typeof handler === 'string' ? /^([\w./-]+)\.(\w+)$/.exec(handler) : null;
  if (!match || !match[1].startsWith(BUILD_DIR)) {
    throw new ServerlessConfigError(
      `${where}: "handler" must read "${BUILD_DIR}<file>.<export>" (the built file in the package), got ${JSON.stringify(handler)}`,
    );
  }
  const [, file, exportName] = match;
  let module: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the file is named by serverless.yml at run time and wiring is synchronous: no import statement can say it
    module = require(path.join(codeRoot, file.slice(BUILD_DIR.length))) as Record<string, unknown>;
  } catch (error) {
    throw new ServerlessConfigError(`${where}: cannot load handler file "${file}" (${(error as Error).message.split('\n')[0]})`);
  }
  if (!(exportName in module)) {
    throw new ServerlessConfigError(`${where}: "${file}" has no export "${exportName}" (it has: ${Object.keys(module).join(', ')})`);
  }
  return module[exportName];
}

/** Refuses a key the trigger does not know (a misspelled `timeoutMS` would otherwise be ignored). */
function checkKeys(type: string, config: Record<string, unknown>, known: string[], where: string): void {
  const unknown = Object.keys(config).find((key) => !known.includes(key));
  if (unknown !== undefined) throw new ServerlessConfigError(`${where}: a ${type} trigger has no "${unknown}" (known: ${known.join(', ')})`);
}

function grpcBinding(name: string, code: unknown, config: Record<string, unknown>, methods: Map<string, ServiceMethod>, where: string): RpcBinding {
  checkKeys('grpc', config, ['method', 'timeoutMs'], where);
  const method = config.method;
  const served = typeof method === 'string' ? methods.get(method) : undefined;
  if (!served)
    throw new ServerlessConfigError(`${where}: grpc method ${JSON.stringify(method)} is not in the service (it has: ${[...methods.keys()].join(', ')})`);
  if (typeof code !== 'function') throw new ServerlessConfigError(`${where}: the handler of a grpc trigger must be a function`);
  // The deployed function and the local runtime must run the same code for the same RPC.
  if (code !== served.handler) {
    throw new ServerlessConfigError(
      `${where}: its handler (${code.name || 'anonymous'}) is not the one ${HANDLERS_FILE} declares for ${method} (${served.handlerName})`,
    );
  }
  const kind = served.kind;
  const timeoutMs = config.timeoutMs;
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || timeoutMs < 0)) throw new ServerlessConfigError(`${where}: timeoutMs must be a number >= 0`);
  return { function: name, method: method as string, kind, handler: code as RpcBinding['handler'], timeoutMs };
}

function logBinding(name: string, code: unknown, config: Record<string, unknown>, where: string): LogBinding {
  checkKeys('log', config, ['topic', 'group', 'batchSize'], where);
  const { topic, group, batchSize } = config;
  if (topic !== COMMANDS && topic !== EVENTS)
    throw new ServerlessConfigError(`${where}: log topic must be "${COMMANDS}" or "${EVENTS}", got ${JSON.stringify(topic)}`);
  if (group !== undefined && (typeof group !== 'string' || group === '')) throw new ServerlessConfigError(`${where}: a log trigger's "group" must be a name`);
  if (!Number.isInteger(batchSize) || (batchSize as number) < 1) throw new ServerlessConfigError(`${where}: batchSize must be a positive integer`);
  const fn = code as Partial<LogFunction>;
  if (typeof fn?.start !== 'function' || typeof fn.handle !== 'function') {
    throw new ServerlessConfigError(`${where}: the handler of a log trigger must be an object with start() and handle()`);
  }
  return { function: name, fn: fn as LogFunction, trigger: { topic, group: group as string | undefined, batchSize: batchSize as number } };
}

function subscriberBinding(name: string, code: unknown, config: Record<string, unknown>, where: string): SubscriberBinding {
  const { topic, batchSize, startingPosition, consumerGroupId } = config;
  if (topic !== EVENTS) throw new ServerlessConfigError(`${where}: a kafka trigger reads "${EVENTS}", got ${JSON.stringify(topic)}`);
  if (!Number.isInteger(batchSize) || (batchSize as number) < 1) throw new ServerlessConfigError(`${where}: batchSize must be a positive integer`);
  if (startingPosition !== 'TRIM_HORIZON' && startingPosition !== 'LATEST') {
    throw new ServerlessConfigError(`${where}: startingPosition must be TRIM_HORIZON or LATEST, got ${JSON.stringify(startingPosition)}`);
  }
  if (typeof consumerGroupId !== 'string' || consumerGroupId === '') throw new ServerlessConfigError(`${where}: a kafka trigger needs a consumerGroupId`);
  if (typeof code !== 'function') throw new ServerlessConfigError(`${where}: the handler of a kafka trigger must be a function of the Lambda Kafka event`);
  return {
    function: name,
    handler: code as SubscriberBinding['handler'],
    topic,
    group: consumerGroupId,
    batchSize: batchSize as number,
    from: parseStartPosition(startingPosition),
  };
}
