import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { packageRoot } from '../../lib/packageRoot';

const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);

function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** h2load (Debian's nghttp2-client) is the load generator for reads: installed when we are root, else asked for. */
export function ensureH2load(): void {
  if (onPath('h2load')) return;
  if (process.getuid?.() !== 0) throw new Error('npm run bench needs h2load: sudo apt-get install nghttp2-client');
  progress('installing h2load (apt-get install nghttp2-client)...');
  execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nghttp2-client'], { stdio: 'inherit' });
}

/**
 * A Kafka broker for the Kafka rows: the one at `broker` if it answers, else one started with
 * scripts/kafka/kafka-up.sh (as `npm test` does). Returns how to stop what we started.
 */
export function ensureKafka(broker: string): () => void {
  const scripts = path.join(packageRoot(), 'scripts', 'kafka');
  try {
    execFileSync(process.execPath, [path.join(scripts, 'wait-for-broker.js'), broker, '--timeout-ms', '3000'], { stdio: 'ignore' });
    return () => {};
  } catch {
    // none answers: start ours
  }
  if (broker !== '127.0.0.1:9092') throw new Error(`--brokers ${broker} does not answer`);
  progress('no broker answers on 127.0.0.1:9092; starting one (scripts/kafka/kafka-up.sh)');
  execFileSync('bash', [path.join(scripts, 'kafka-up.sh')], { stdio: 'inherit' });
  return () => execFileSync('bash', [path.join(scripts, 'kafka-down.sh')], { stdio: 'inherit' });
}
