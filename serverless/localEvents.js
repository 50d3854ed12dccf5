'use strict';

/**
 * An osls / Serverless Framework plugin that declares this service's own triggers, so that
 * `configValidationMode: error` checks them instead of refusing them as unknown events:
 *  - `grpc`: an RPC of the service (`custom.grpc.service`) served by the function;
 *  - `log`: a topic of the service's log, consumed by a long-lived function (decider, projector).
 * The schemas accept exactly what runtime/serverlessConfig.ts accepts (the runtime also checks
 * what a schema cannot: that the method exists and each RPC is bound once). Neither trigger means
 * anything to AWS: functions with them are packaged but get no event source there.
 * Plain JavaScript, loaded by osls as it is: packaging needs no build of this file.
 */

/** The two topics of the log (events/eventLog.ts: COMMANDS, EVENTS). */
const TOPICS = ['users.commands', 'users.events'];

const schemas = {
  grpc: {
    type: 'object',
    properties: {
      method: { type: 'string', minLength: 1 },
      // Server-side default deadline in milliseconds; 0 = none (live feeds).
      timeoutMs: { type: 'number', minimum: 0 },
    },
    required: ['method'],
    additionalProperties: false,
  },
  log: {
    type: 'object',
    properties: {
      topic: { enum: TOPICS },
      // A consumer group shares the partitions among its members; without one, every instance
      // reads every partition from the position it keeps itself.
      group: { type: 'string', minLength: 1 },
      batchSize: { type: 'integer', minimum: 1 },
    },
    required: ['topic', 'batchSize'],
    additionalProperties: false,
  },
  customGrpc: {
    type: 'object',
    properties: { service: { type: 'string', minLength: 1 } },
    required: ['service'],
    additionalProperties: false,
  },
};

class LocalEvents {
  constructor(serverless, _options, { log } = {}) {
    const schema = serverless.configSchemaHandler;
    schema.defineFunctionEvent('aws', 'grpc', schemas.grpc);
    schema.defineFunctionEvent('aws', 'log', schemas.log);
    schema.defineCustomProperties({ properties: { grpc: schemas.customGrpc } });
    this.hooks = { 'before:package:createDeploymentArtifacts': () => warnOnNodeMismatch(serverless, log) };
  }
}

/**
 * better-sqlite3 is a native module built for the Node that ran `npm ci`: packaged from another
 * major version than the Lambda runtime's, it fails to load there (NODE_MODULE_VERSION mismatch).
 */
function warnOnNodeMismatch(serverless, log) {
  const lambda = /^nodejs(\d+)\.x$/.exec(serverless.service.provider.runtime || '');
  const local = process.versions.node.split('.')[0];
  if (lambda && lambda[1] !== local && log) {
    log.warning(
      `Packaging node_modules installed under Node ${local} for ${serverless.service.provider.runtime}: ` +
        `better-sqlite3's native binary will not load there; run "npm ci" under Node ${lambda[1]} (linux, x86_64) first.`,
    );
  }
}

module.exports = LocalEvents;
module.exports.schemas = schemas;
