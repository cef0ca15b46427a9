import { WeftError, registerWeftErrors } from '../core/errors.js';

/**
 * An exporter of `weft/observe` was called without the package it drives
 * installed. weft keeps no runtime dependency: `prom-client` and
 * `@opentelemetry/api` are optional peer dependencies, loaded only when
 * `prometheus()` or `openTelemetry()` is called.
 */
export class MissingPeerError extends WeftError {
  override readonly name = 'MissingPeerError';
  readonly code = 'ERR_MISSING_PEER';
  /** The npm package to install, e.g. `'prom-client'`. */
  readonly packageName: string;
  constructor(packageName: string, feature: string, cause: unknown) {
    super(`${feature} needs the optional peer dependency '${packageName}': npm install ${packageName}`, { cause });
    this.packageName = packageName;
  }
}

registerWeftErrors({ MissingPeerError });
