import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { createHttpServerCloser } from '../lib/httpServerCloser';
import { listenOn } from '../lib/listenOn';
import type { Logger } from '../lib/logger';
import { packageRoot } from '../lib/packageRoot';
import type { AnyHandler } from '../runtime/call/runCall';
import { callEnvFor, type SharedCallEnv } from '../runtime/call/callContext';
import { FEED_METHODS } from '../runtime/grpc/encodeOnce';
import { actionsFor } from '../runtime/security/accessPolicy';
import { assertPlaintextAllowed, type TransportOptions } from '../runtime/security/transportCredentials';
import type { RpcBinding } from '../runtime/serverlessConfig';
import { loadContract } from '../proto/contract';
import { CorsPolicy } from './cors';
import { answerClientError } from './earlyAnswers';
import { refuse, serveCall, type GatewayRoute, type GatewayShared } from './gatewayCall';
import { openApiFile } from './openapi/openApiFile';
import { findRoute } from './router';
import { FrameCache } from './streamWriters';
import { transcoderFor } from './transcoder';

export interface GatewayOptions extends TransportOptions {
  httpAddr: string;
  corsOrigins: string[];
  maxMessageBytes: number;
  unaryTimeoutMs: number;
  streamTimeoutMs: number;
  slowReaderMs: number;
}

export interface RunningGateway {
  /** host:port actually bound. */
  addr: string;
  /** Stops accepting, ends idle connections (keep-alive, or no request yet) at once; connections still open after `graceMs` are cut. */
  close(graceMs: number): Promise<void>;
}

/** Node's default, said here because the 414 and 431 messages quote it. */
const MAX_HEAD_BYTES = 16 * 1024;

/** The browser page: a live user list fed by the SSE feed, and a form that creates users. */
const pageFile = () => path.join(packageRoot(), 'gateway', 'static', 'index.html');

/**
 * The REST/JSON gateway: every RPC at the HTTP route its google.api.http option names, served by
 * the same handlers (from serverless.yml) as gRPC, plus `/openapi.json` and a small browser page.
 * HTTPS with the server's certificate when TLS is configured; plaintext on loopback otherwise.
 */
export async function startGateway(rpcs: RpcBinding[], shared: SharedCallEnv, options: GatewayOptions, logger: Logger): Promise<RunningGateway> {
  assertPlaintextAllowed(options.httpAddr, options);
  const contract = loadContract();
  const openApi = readFileSync(openApiFile());
  const page = readFileSync(pageFile());
  const routes: GatewayRoute[] = rpcs.map((rpc) => {
    const binding = contract.bindings.find((b) => b.method.name === rpc.method);
    if (!binding) throw new Error(`${rpc.method} has no google.api.http rule in proto/`);
    const transcoder = transcoderFor(contract, rpc.method);
    return {
      binding,
      method: { kind: rpc.kind, handler: rpc.handler as AnyHandler, actions: actionsFor(rpc.method) },
      transcoder,
      frames: FEED_METHODS.has(rpc.method) ? new FrameCache() : undefined,
      env: callEnvFor(rpc, shared, options),
    };
  });
  const cors = new CorsPolicy(options.corsOrigins);
  const report = (error: unknown, requestId?: string) => logger.error('gateway call failed', { error, request_id: requestId });

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const corsHeaders = cors.headers(req);
    const callShared: GatewayShared = { registry: contract.registry, maxMessageBytes: options.maxMessageBytes, headers: corsHeaders, report };
    try {
      const url = new URL(req.url ?? '/', 'http://gateway');
      if (req.method === 'OPTIONS') return void res.writeHead(204, cors.preflight(req)).end();
      if (req.method === 'GET' && url.pathname === '/openapi.json')
        return void res.writeHead(200, { ...corsHeaders, 'content-type': 'application/json' }).end(openApi);
      if (req.method === 'GET' && url.pathname === '/') {
        return void res
          .writeHead(200, {
            'content-type': 'text/html; charset=utf-8',
            'content-security-policy': "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline'",
          })
          .end(page);
      }
      const { route, fields } = findRoute(routes, req.method ?? 'GET', url.pathname);
      serveCall(route, fields, url, req, res, callShared).catch(report);
    } catch (error) {
      refuse(error, req, res, callShared);
    }
  };
  const tls = options.tlsCert && options.tlsKey;
  const serverOptions: https.ServerOptions = {
    // Streams (the SSE feed, NDJSON imports) legitimately take long; call deadlines bound them instead.
    requestTimeout: 0,
    headersTimeout: 30_000,
    // The request line and headers together; more is 414 or 431 (answerClientError).
    maxHeaderSize: MAX_HEAD_BYTES,
    ...(tls
      ? {
          cert: readFileSync(options.tlsCert as string),
          key: readFileSync(options.tlsKey as string),
          ca: options.tlsCa ? readFileSync(options.tlsCa) : undefined,
          requestCert: options.requireClientCert,
          rejectUnauthorized: options.requireClientCert,
        }
      : {}),
  };
  const server = tls ? https.createServer(serverOptions, handle) : http.createServer(serverOptions, handle);
  server.on('clientError', (error, socket) => answerClientError(error, socket, MAX_HEAD_BYTES));
  const closer = createHttpServerCloser(server);
  const addr = await listenOn(server, options.httpAddr, '--http-addr');
  return { addr, close: (graceMs) => closer.close(graceMs) };
}
