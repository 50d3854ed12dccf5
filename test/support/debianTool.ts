import { execFileSync } from 'node:child_process';
import path from 'node:path';

const script = path.join(__dirname, '..', '..', 'scripts', 'tools', 'debian-tool.sh');

/**
 * The folder a Debian package is unpacked in (scripts/tools/debian-tool.sh: fetched once into a
 * cache, no root needed). Throws with apt's own error when it cannot be fetched: a test that needs
 * a standard tool fails without it, it never skips.
 */
export function debianPackageRoot(pkg: string): string {
  return execFileSync('bash', [script, pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000 }).trim();
}

/** promtool from Debian's prometheus package. */
export function promtoolPath(): string {
  return path.join(debianPackageRoot('prometheus'), 'usr', 'bin', 'promtool');
}

/**
 * The environment in which `python3` imports Debian's python3-protobuf (pure-Python
 * implementation: it needs no libprotobuf from the system and works with any Python 3).
 */
export function pythonProtobufEnv(): NodeJS.ProcessEnv {
  const sitePackages = path.join(debianPackageRoot('python3-protobuf'), 'usr', 'lib', 'python3', 'dist-packages');
  return { ...process.env, PYTHONPATH: sitePackages, PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION: 'python' };
}
