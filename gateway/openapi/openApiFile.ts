import path from 'node:path';
import { packageRoot } from '../../lib/packageRoot';

/** Where `npm run build` writes the OpenAPI document the gateway serves at /openapi.json. */
export const openApiFile = (): string => path.join(packageRoot(), 'dist', 'contract', 'openapi.json');
