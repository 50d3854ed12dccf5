import { existsSync } from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

/** The folder holding package.json, found the same way from `dist/` and from the sources
 * (tests run the TypeScript directly), so data files like proto/ resolve in both. */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  cached = dir;
  return dir;
}
