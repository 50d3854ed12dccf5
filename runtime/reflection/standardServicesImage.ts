import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../lib/packageRoot';

/** Where `npm run build` writes the descriptors of the standard services the server also serves. */
export const standardServicesImage = (): string => path.join(packageRoot(), 'dist', 'contract', 'grpc-services.binpb');

/**
 * The .proto files of the health and reflection services, under the names grpc-proto gives them
 * (the names every other server answers reflection with), and the npm package that ships each.
 */
const SOURCES: Record<string, { pkg: string; file: string }> = {
  'grpc/health/v1/health.proto': { pkg: 'grpc-health-check', file: 'proto/health/v1/health.proto' },
  'grpc/reflection/v1/reflection.proto': { pkg: '@grpc/reflection', file: 'build/proto/grpc/reflection/v1/reflection.proto' },
  'grpc/reflection/v1alpha/reflection.proto': { pkg: '@grpc/reflection', file: 'build/proto/grpc/reflection/v1alpha/reflection.proto' },
};

/**
 * Build step: compiles those files with `buf build` into `output`, so reflection describes them
 * with descriptors from the same compiler as our own. The health proto sits at `health/v1/` in
 * its package, so the files are laid out under their real names in a scratch folder first.
 */
export function buildStandardServicesImage(buf: string, output = standardServicesImage()): void {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'usersvc-grpc-protos-'));
  try {
    for (const [name, { pkg, file }] of Object.entries(SOURCES)) {
      const source = path.join(path.dirname(require.resolve(`${pkg}/package.json`, { paths: [packageRoot()] })), file);
      mkdirSync(path.dirname(path.join(scratch, name)), { recursive: true });
      copyFileSync(source, path.join(scratch, name));
    }
    execFileSync(buf, ['build', scratch, '--output', output], { stdio: 'inherit' });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
