import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../lib/packageRoot';
import { buildStandardServicesImage, standardServicesImage } from '../runtime/reflection/standardServicesImage';
import { loadContract } from '../proto/contract';
import { contractImage } from '../proto/descriptorImage';
import { buildOpenApi } from './openapi/buildOpenApi';
import { openApiFile } from './openapi/openApiFile';

/**
 * Build step (the end of npm run build): the descriptor image of proto/ (`buf build`, with the
 * comments), which the gateway transcodes by, and the OpenAPI document generated from it; and the
 * image of the standard health and reflection services, which server reflection also describes.
 */
function main(): void {
  const root = packageRoot();
  const image = contractImage();
  mkdirSync(path.dirname(image), { recursive: true });
  const buf = path.join(root, 'node_modules', '.bin', 'buf');
  execFileSync(buf, ['build', '--output', image], { cwd: root, stdio: 'inherit' });
  buildStandardServicesImage(buf);
  const { version, license } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string; license: string };
  const document = buildOpenApi(loadContract(image), { version, license });
  writeFileSync(openApiFile(), `${JSON.stringify(document, null, 2)}\n`);
  const relative = (file: string) => path.relative(root, file);
  console.log(
    `contract: ${relative(image)}, ${relative(standardServicesImage())} and ${relative(openApiFile())} (${Object.keys(document.paths as object).length} paths)`,
  );
}

main();
