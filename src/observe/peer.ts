import { createRequire } from 'node:module';
import { MissingPeerError } from './errors.js';

// Resolved from the importing application's point of view is not possible for a
// library; resolving from weft's own location finds the peer wherever npm put it
// beside weft (the usual flat node_modules), which is what peer dependencies mean.
const require = createRequire(import.meta.url);

/**
 * Loads an optional peer dependency synchronously (both peers ship CommonJS),
 * or throws MissingPeerError naming it. Only a failure to find the package
 * itself becomes MissingPeerError; an error thrown while loading it propagates.
 */
export function loadPeer<T>(packageName: string, feature: string): T {
  try {
    return require(packageName) as T;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const missing = code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes(`'${packageName}'`);
    if (missing) throw new MissingPeerError(packageName, feature, err);
    throw err;
  }
}
