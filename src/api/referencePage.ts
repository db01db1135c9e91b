import path from 'node:path';

import express, { type Express } from 'express';

/**
 * Swagger UI's own page and assets, from the swagger-ui-dist package on disk: the page works
 * without any outside network, and nothing of it is written by hand here.
 */
const swaggerUiDir = path.dirname(require.resolve('swagger-ui-dist/package.json'));

/**
 * Takes the place of the package's `swagger-initializer.js`, which points at a sample API.
 * Relative to the page, so it also works behind a proxy that adds a path prefix. `validatorUrl`
 * null: Swagger UI would otherwise send the document to an online validator. The standalone
 * layout's top bar loads any URL typed into it; the base layout shows this API only.
 */
const initializer = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '../openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    layout: 'BaseLayout',
  });
};
`;

/**
 * Everything the page may load comes from this origin; the documented API is called from the
 * page itself ("Try it out"), so the same origin is all it needs. Swagger UI sets inline styles
 * and data: images.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * `GET /api/v1/docs` (redirects to `/api/v1/docs/`, so the page's relative asset paths resolve)
 * and the page's files under it. Public, like the document it renders. The files are served by
 * middleware, not routes: the one route is the documented `GET /api/v1/docs`.
 */
export function mountReferencePage(app: Express, at = '/api/v1/docs'): void {
  const files = express.static(swaggerUiDir, { index: 'index.html', maxAge: '1h', redirect: false });
  app.get(at, (req, res, next) => {
    // Express matches `at/` here too (non-strict routing): that one is the page itself.
    if (req.path.endsWith('/')) return next();
    res.redirect(301, `${at}/`);
  });
  app.use(at, (req, res, next) => {
    res.setHeader('content-security-policy', contentSecurityPolicy);
    if (req.path === '/swagger-initializer.js') {
      res.type('text/javascript').send(initializer);
      return;
    }
    files(req, res, next);
  });
}
