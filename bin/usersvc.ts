#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { OPTION_SPECS, resolveOptions, type OptionName } from '../runtime/serviceOptions';
import { EXIT, reportFailure } from './exitCodes';

const USAGE = `usage: usersvc <command> [options]

commands:
  serve                     serve the UserService over gRPC (the default)
  rebuild                   drop the views of --data and replay the log into them; prints "checksum <hex>"
  rebuild --until <cursor|time> --out DIR
                            the view as of a cursor the service handed out (every event before it) or an
                            RFC 3339 time (the events up to it), built into DIR; --data is left as it is,
                            a server may run on it
  export [--until <cursor|time>] [--out FILE]
                            every user of --data (as of --until) as one JSON line, on stdout or into FILE
  backup --to FILE          a consistent copy of --data, live or not, into one file; prints its checksum
  restore --from FILE       a backup into --data (a new or empty directory); prints its checksum
  checksum                  print "checksum <hex>" of the view of --data (fine on a live directory)
  compact --keep 7d         fold the log's events older than --keep into a snapshot and drop them:
                            embedded, in log.db (server stopped); Kafka, the topic users.snapshot
                            (servers running); rebuilds and new replicas start from the snapshot
  verify                    read every record and row of --data against its checksum (server
                            stopped); exit 4 when anything is damaged or out of step
  call <Method> [json]      call a running server at --addr: GetUser, CreateUser, UpdateUser,
                            DeleteUser or ListUsers; --metadata key=value (repeatable), --timeout-ms
  subscribe --group NAME    print every user change as a JSON line (with --log kafka);
            [--from earliest|latest|CURSOR]

options (flag, environment variable, default):
${Object.entries(OPTION_SPECS)
  .map(([name, spec]) => `  --${name.padEnd(18)} ${spec.env.padEnd(26)} ${spec.default.padEnd(16)} ${spec.help}`)
  .join('\n')}
`;

const FLAGS = {
  help: { type: 'boolean', short: 'h' },
  metadata: { type: 'string', multiple: true },
  'timeout-ms': { type: 'string' },
  group: { type: 'string' },
  from: { type: 'string' },
  until: { type: 'string' },
  out: { type: 'string' },
  to: { type: 'string' },
  keep: { type: 'string' },
  ...Object.fromEntries(Object.keys(OPTION_SPECS).map((name) => [name, { type: 'string' as const }])),
  // On/off flags are given bare: `--require-client-cert`.
  'require-client-cert': { type: 'boolean' },
  'insecure-anywhere': { type: 'boolean' },
  'no-auto-rebuild': { type: 'boolean' },
} as const;

/** The command asked for, read leniently: it decides how a refusal of the flags is reported. */
function commandOf(argv: string[]): string {
  return parseArgs({ args: argv, allowPositionals: true, strict: false, options: FLAGS }).positionals[0] ?? 'serve';
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: FLAGS });
  const [command = 'serve', ...rest] = positionals;
  if (values.help || !['serve', 'rebuild', 'checksum', 'verify', 'compact', 'call', 'subscribe', 'export', 'backup', 'restore'].includes(command)) {
    process.stdout.write(USAGE);
    return values.help ? EXIT.OK : EXIT.CONFIG;
  }
  const flags = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === 'boolean' ? String(v) : v]));
  const options = resolveOptions(flags as Partial<Record<OptionName, string>>);
  // Each command loads only what it uses: a restart of `serve` should not pay for the client's modules.
  switch (command) {
    case 'checksum':
      return (await import('./commands/dataCommands')).checksumCommand(options.dataDir);
    case 'rebuild':
      // Into another directory, as of a point: the live one is left as it is.
      if (values.until !== undefined || values.out !== undefined) {
        return (await import('./commands/rebuildUntilCommand')).rebuildUntilCommand(
          options,
          values.until as string | undefined,
          values.out as string | undefined,
        );
      }
      return (await import('./commands/dataCommands')).rebuildCommand(options);
    case 'export':
      return (await import('./commands/exportCommand')).exportCommand(options, values.until as string | undefined, values.out as string | undefined);
    case 'backup':
      return (await import('./commands/backupCommands')).backupCommand(options, values.to as string | undefined);
    case 'restore':
      return (await import('./commands/backupCommands')).restoreCommand(options, values.from as string | undefined);
    case 'compact':
      return (await import('./commands/compactCommand')).compactCommand(options, values.keep as string | undefined);
    case 'verify':
      return (await import('./commands/verifyCommand')).verifyCommand(options);
    case 'call':
      return (await import('./commands/callCommand')).callCommand(
        options.addr,
        rest[0],
        rest[1],
        (values.metadata as string[] | undefined) ?? [],
        Number(values['timeout-ms'] ?? 10_000),
      );
    case 'subscribe':
      return (await import('./commands/subscribeCommand')).subscribeCommand(
        options,
        values.group as string | undefined,
        (values.from as string | undefined) ?? 'earliest',
      );
    default:
      return (await import('./commands/serveCommand')).serveCommand(options);
  }
}

const argv = process.argv.slice(2);
// Node ends a process whose event loop has nothing left to wait on with exit code 0, as if all went
// well. Here that can only be a bug (a promise nothing will ever settle), and a supervisor must not
// take it for a clean stop: say so and exit 1. (An explicit process.exit does not come here.)
process.once('beforeExit', () => {
  const error = new Error(`usersvc ${commandOf(argv)} ran out of work before it finished (a wait that nothing would end); this is a bug, please report it`);
  void reportFailure(error, commandOf(argv) === 'serve').then((code) => process.exit(code));
});
main(argv).then(
  (code) => process.exit(code),
  // `serve` logs JSON lines on stdout, its failure to start too; the other commands write text for people.
  (error: unknown) => reportFailure(error, commandOf(argv) === 'serve').then((code) => process.exit(code)),
);
