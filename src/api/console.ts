import { existsSync } from 'node:fs';
import path from 'node:path';

import express, { type RequestHandler, Router } from 'express';

/** Where `npm run build` puts the console: web/dist at the project's root (from src/api and from dist/api alike). */
export const defaultConsoleDir = path.resolve(__dirname, '..', '..', 'web', 'dist');

/**
 * The console's pages may load only what the API serves, and may not be framed anywhere, so
 * Approve and Cancel cannot be clickjacked.
 */
export const consoleContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Paths that are the API's, never the console's. */
const serverPaths = /^\/(api|metrics|healthz|readyz)(\/|$)/;

/**
 * Serves the built console at `/`: hashed assets cached for a year, `index.html` (never cached)
 * for every other page path so client routes load, and the API's paths untouched.
 */
export function consoleRoutes(dir: string = defaultConsoleDir): Router {
  const router = Router();
  const secure: RequestHandler = (_req, res, next) => {
    res.setHeader('content-security-policy', consoleContentSecurityPolicy);
    res.setHeader('x-frame-options', 'DENY');
    next();
  };
  const index = path.join(dir, 'index.html');
  router.use(
    '/assets',
    secure,
    express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false }),
  );
  router.get(/.*/, secure, (req, res, next) => {
    if (serverPaths.test(req.path)) return next();
    if (!existsSync(index)) {
      res.status(503).type('text/plain').send('The console is not built on this API process: run `npm run build` (or `bash scripts/setup.sh`) and restart it.\n');
      return;
    }
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
