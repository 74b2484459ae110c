/**
 * Serves the GraphiQL page that `npm run build:graphiql` bundles into dist/graphiql/, from the
 * service itself: no CDN, and a Content-Security-Policy that lets the page reach its own origin
 * only.
 *
 * Mount the router on the app root BEFORE Apollo's middleware on the GraphQL path, so that a
 * browser's `GET /graphql` (Accept: text/html) gets the page instead of Apollo's landing page:
 *
 * ```ts
 * app.use(graphiqlRouter({ enabled: config.graphiql, graphqlPath: '/graphql', assetsDir: defaultGraphiqlAssetsDir() }));
 * app.use('/graphql', express.json(), expressMiddleware(apollo, { context }));
 * ```
 */
import express, { type Request, type Response, type Router } from 'express';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface GraphiqlRouterOptions {
  /** When false, `/graphiql` and everything under it answers 404 and `GET <graphqlPath>` passes through. */
  enabled: boolean;
  /** Where the GraphQL endpoint (HTTP and graphql-ws) lives, e.g. `/graphql`. */
  graphqlPath: string;
  /** The folder that `npm run build:graphiql` writes (index.html and assets/); see {@link defaultGraphiqlAssetsDir}. */
  assetsDir: string;
}

/** Where the page is served. */
export const GRAPHIQL_PATH = '/graphiql';
/** Where its bundled scripts, styles and Monaco workers are served. */
export const GRAPHIQL_ASSETS_PATH = `${GRAPHIQL_PATH}/assets`;

/**
 * The page may load and connect to its own origin only ('self' covers ws: and wss: on the same
 * host and port). Monaco injects <style> elements, hence 'unsafe-inline' for styles; fonts and
 * icons come inlined as data: URLs. Monaco's workers are started from same-origin URLs.
 */
export const GRAPHIQL_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': GRAPHIQL_CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

/**
 * The dist/graphiql folder of this package, found from this file whether it runs from src/
 * (ts-node, swc) or from dist/src/ (compiled): the nearest folder above with a package.json.
 */
export function defaultGraphiqlAssetsDir(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`graphiql: no package.json above ${__dirname}`);
    dir = parent;
  }
  return path.join(dir, 'dist', 'graphiql');
}

/**
 * True for a request that a browser made to show a page: a GET or HEAD that prefers text/html
 * over JSON and carries no GraphQL `query` parameter. GraphQL clients send JSON Accept headers
 * (or none, or `*∕*`, which negotiate to JSON here) and so are never answered with the page.
 */
export function wantsGraphiql(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (req.query && typeof req.query === 'object' && 'query' in req.query) return false;
  return req.accepts(['application/graphql-response+json', 'application/json', 'text/html']) === 'text/html';
}

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

function setSecurityHeaders(res: Response): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}

function notFound(_req: Request, res: Response): void {
  res.status(404).type('text/plain').send('Not Found');
}

/**
 * `GET /graphiql` (the page), `GET /graphiql/assets/*` (its bundle), and the page for a
 * browser's `GET <graphqlPath>` (see {@link wantsGraphiql}); everything else passes through.
 * Answers 503 with a hint when the bundle has not been built.
 */
export function graphiqlRouter(options: GraphiqlRouterOptions): Router {
  const router = express.Router();
  if (!options.enabled) {
    router.use(GRAPHIQL_PATH, notFound);
    return router;
  }

  const indexFile = path.join(options.assetsDir, 'index.html');
  let page: Promise<string> | undefined;
  const renderPage = (): Promise<string> => {
    page ??= readFile(indexFile, 'utf8').then((template) =>
      template
        .replaceAll('{{graphqlPath}}', escapeHtml(options.graphqlPath))
        .replaceAll('{{assetsPath}}', escapeHtml(GRAPHIQL_ASSETS_PATH)),
    );
    page.catch(() => (page = undefined)); // not built yet: try again on the next request
    return page;
  };

  const sendPage = async (_req: Request, res: Response): Promise<void> => {
    setSecurityHeaders(res);
    res.setHeader('Vary', 'Accept');
    res.setHeader('Cache-Control', 'no-store');
    let html: string;
    try {
      html = await renderPage();
    } catch {
      res.status(503).type('text/plain').send(`GraphiQL is not built: run \`npm run build:graphiql\` (expected ${indexFile}).`);
      return;
    }
    res.type('html').send(html);
  };

  router.get(GRAPHIQL_PATH, sendPage);
  router.get(options.graphqlPath, (req, res, next) => (wantsGraphiql(req) ? void sendPage(req, res) : next()));
  router.use(
    GRAPHIQL_ASSETS_PATH,
    express.static(path.join(options.assetsDir, 'assets'), {
      index: false,
      redirect: false,
      dotfiles: 'ignore',
      // Entry files keep their names across builds: revalidate (ETag) rather than cache blindly.
      cacheControl: true,
      maxAge: 0,
      setHeaders: (res) => setSecurityHeaders(res),
    }),
  );
  router.use(GRAPHIQL_PATH, notFound);
  return router;
}
