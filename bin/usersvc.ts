#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { EmbeddedLog } from '../events/embedded/embeddedLog';
import { rebuildView } from '../events/replay';
import { createLogger } from '../lib/logger';
import { dataFiles } from '../runtime/dataFiles';
import { startService } from '../runtime/service';
import { OPTION_SPECS, resolveOptions, type OptionName } from '../runtime/serviceOptions';
import { openDatabase } from '../store/openDatabase';
import { viewChecksum } from '../store/viewChecksum';

const USAGE = `usage: usersvc <command> [options]

commands:
  serve      serve the UserService over gRPC (the default)
  rebuild    drop the views of --data and replay the log into them; prints "checksum <hex>"
  checksum   print "checksum <hex>" of the view of --data (works on a live directory)

options (flag, environment variable, default):
${Object.entries(OPTION_SPECS)
  .map(([name, spec]) => `  --${name.padEnd(18)} ${spec.env.padEnd(26)} ${spec.default.padEnd(16)} ${spec.help}`)
  .join('\n')}
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' }, ...Object.fromEntries(Object.keys(OPTION_SPECS).map((name) => [name, { type: 'string' }])) },
  });
  const command = positionals[0] ?? 'serve';
  if (values.help || !['serve', 'rebuild', 'checksum'].includes(command)) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const options = resolveOptions(values as Partial<Record<OptionName, string>>);
  if (command === 'checksum') return checksum(options.dataDir);
  if (command === 'rebuild') return rebuild(options.dataDir);
  return serve(options);
}

async function serve(options: ReturnType<typeof resolveOptions>): Promise<number> {
  const logger = createLogger(options.logLevel);
  const service = await startService(options, logger);
  logger.info(`listening on ${service.addr}`, { addr: service.addr, data: options.dataDir });
  await new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      logger.info(`${signal}: draining calls in flight and stopping`);
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  await service.stop();
  logger.info('stopped');
  return 0;
}

function checksum(dataDir: string): number {
  const db = openDatabase(dataFiles(dataDir).view, { readonly: true });
  try {
    const sum = viewChecksum(db);
    process.stdout.write(`checksum ${sum.checksum}\ncursor ${sum.cursor}\nusers ${sum.users}\n`);
    return 0;
  } finally {
    db.close();
  }
}

async function rebuild(dataDir: string): Promise<number> {
  const log = EmbeddedLog.open(dataDir);
  try {
    const files = dataFiles(dataDir);
    const progress = (label: string) => (p: { events: number; elapsedMs: number; cursor: { toString(): string } }) =>
      process.stderr.write(`${label}: ${p.events} events applied, cursor ${p.cursor}, ${Math.round(p.events / Math.max(p.elapsedMs / 1000, 0.001))} events/s\n`);
    await rebuildView(log, files.deciderState, progress('decider state'));
    const sum = await rebuildView(log, files.view, progress('view'));
    process.stdout.write(`checksum ${sum.checksum}\ncursor ${sum.cursor}\nusers ${sum.users}\n`);
    return 0;
  } finally {
    await log.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`usersvc: ${error.message}\n`);
    process.exit(1);
  },
);
