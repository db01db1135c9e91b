import type { RequestHandler } from 'express';
import type { Pool } from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import { executionsGauge } from './executionsGauge';

/** Prometheus metrics of one API process, served at `GET /metrics`. */
export interface ApiMetrics {
  registry: Registry;
  /** Counts and times every request by route pattern (never by raw URL, which holds ids). */
  middleware: RequestHandler;
  /** Mounted first in a sub-router: remembers its mount path, which express resets when an error leaves it. */
  markRouter: RequestHandler;
  sseClients: Gauge;
}

export interface ApiMetricsOptions {
  /** How old the counts of finished executions may be (see `executionsGauge`). */
  executionCountsMaxAgeSeconds?: number;
}

export function createApiMetrics(pool: Pool, options: ApiMetricsOptions = {}): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'migrator_api_' });
  const requests = new Counter({
    name: 'migrator_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'migrator_http_request_duration_seconds',
    help: 'Time to answer an HTTP request (headers sent), by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const sseClients = new Gauge({
    name: 'migrator_sse_clients',
    help: 'Clients following a live log on this API process.',
    registers: [registry],
  });
  executionsGauge(pool, registry, options.executionCountsMaxAgeSeconds ?? 60);

  const middleware: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      // The matched pattern, e.g. /api/v1/executions/:id; unmatched URLs are one label, not many.
      const base = typeof res.locals.routerBase === 'string' ? res.locals.routerBase : req.baseUrl;
      const route = req.route ? `${base}${String(req.route.path)}` : 'unmatched';
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      if (res.getHeader('content-type')?.toString().startsWith('text/event-stream')) return;
      duration.observe({ method: req.method, route }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
  const markRouter: RequestHandler = (req, res, next) => {
    res.locals.routerBase = req.baseUrl;
    next();
  };
  return { registry, middleware, markRouter, sseClients };
}
