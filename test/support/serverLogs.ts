import type { ServerProcess } from './serverProcess';

/** One JSON log line of a server process. */
export type LogLine = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a JSON log line of any shape, read by path in the tests

/** Every JSON line the server has written so far (stdout and stderr), parsed; text lines are left out. */
export function logLines(server: ServerProcess): LogLine[] {
  return server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/**
 * The `call` line of the call sent with `x-request-id: requestId`; waits for it (the server
 * writes its log in the background), failing with the output so far.
 */
export async function callLine(server: ServerProcess, requestId: string, timeoutMs = 5000): Promise<LogLine> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = logLines(server).filter((l) => l.msg === 'call' && l.request_id === requestId);
    if (found.length > 1) throw new Error(`${found.length} call lines for ${requestId}: ${JSON.stringify(found)}`);
    if (found.length === 1) return found[0];
    if (Date.now() > deadline) throw new Error(`no call line for request ${requestId} in ${timeoutMs} ms:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One sample of Prometheus' text format: `name{labels} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a /metrics text (comments left out); label values here hold no escaped quotes. */
export function samples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

/** The value of the sample `name` whose labels include `labels`; undefined when there is none. */
export function sampleValue(all: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return all.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}
