import { removeDir, tempDir } from './serverProcess';

/**
 * Fresh data directories for one test file, every one removed after its last test:
 * `const freshDir = useTempDirs();`. Apart from serverProcess.ts, which bench/ imports too and so
 * must not need jest's globals.
 */
export function useTempDirs(): (label: string) => string {
  const dirs: string[] = [];
  afterAll(() => dirs.splice(0).forEach(removeDir));
  return (label) => {
    const dir = tempDir(label);
    dirs.push(dir);
    return dir;
  };
}
