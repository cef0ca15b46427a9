/**
 * `weft/observe`: a runtime's figures in the tools production already runs —
 * Prometheus (through prom-client) and OpenTelemetry (through
 * `@opentelemetry/api`), both optional peer dependencies.
 * @module
 */
export { prometheus, type PrometheusOptions, type PromRegistry } from './prometheus.js';
export { MissingPeerError } from './errors.js';
export { openTelemetry, type OpenTelemetryOptions } from './open-telemetry.js';
