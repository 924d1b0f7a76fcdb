// The HTTP shell every service shares: health, metrics, request ids, secure headers, and
// one error handler that turns every error into RFC 9457 problem+json.
import { Hono, type Context } from 'hono';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { HTTPException } from 'hono/http-exception';
import { serve, type ServerType } from '@hono/node-server';
import type { Logger } from 'pino';
import { AppError, errorCodes, type ErrorCode, type FieldProblem } from './errors.ts';
import { checkReadiness, type HealthCheck } from './health.ts';
import { registry, httpRequestDuration } from './metrics.ts';

export type AppEnv = { Variables: { requestId: string } };

export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: string;
  request_id?: string;
  errors?: FieldProblem[];
};

/** Builds the RFC 9457 body for an error code. */
export function problemBody(code: ErrorCode, detail: string, extra: Partial<Problem> = {}): Problem {
  const { status, title } = errorCodes[code];
  return {
    type: `urn:commerce:problem:${code.toLowerCase().replaceAll('_', '-')}`,
    title,
    status,
    detail,
    code,
    ...extra,
  };
}

export function problemResponse(c: Context, problem: Problem): Response {
  return c.body(JSON.stringify(problem), problem.status as 400, {
    'content-type': 'application/problem+json',
  });
}

/** Creates a hono app with /health/live, /health/ready, /metrics and problem+json errors. */
export function createHttpApp(options: { log: Logger; checks: () => HealthCheck[] }): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestId());
  app.use(secureHeaders());
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.req.routePath || 'unmatched';
    httpRequestDuration.observe(
      { method: c.req.method, route, status: String(c.res.status) },
      (performance.now() - started) / 1000,
    );
  });

  app.get('/health/live', (c) => c.json({ status: 'live' }));
  app.get('/health/ready', async (c) => {
    const report = await checkReadiness(options.checks());
    return c.json(report, report.status === 'ready' ? 200 : 503);
  });
  app.get('/metrics', async (c) =>
    c.body(await registry.metrics(), 200, { 'content-type': registry.contentType }),
  );

  app.notFound((c) =>
    problemResponse(
      c,
      problemBody('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`, { instance: c.req.path }),
    ),
  );
  app.onError((error, c) => {
    const request_id = c.get('requestId');
    if (error instanceof AppError) {
      if (error.status >= 500) options.log.error({ err: error, request_id }, 'request failed');
      return problemResponse(
        c,
        problemBody(error.code, error.message, {
          instance: c.req.path,
          request_id,
          ...(error.fields.length > 0 ? { errors: error.fields } : {}),
        }),
      );
    }
    if (error instanceof HTTPException) {
      const code: ErrorCode =
        error.status === 413 ? 'PAYLOAD_TOO_LARGE' : error.status === 404 ? 'NOT_FOUND' : 'VALIDATION_FAILED';
      return problemResponse(
        c,
        problemBody(code, error.message || errorCodes[code].title, { instance: c.req.path, request_id }),
      );
    }
    options.log.error({ err: error, request_id }, 'unhandled error');
    return problemResponse(
      c,
      problemBody('INTERNAL', 'internal error', { instance: c.req.path, request_id }),
    );
  });
  return app;
}

/** Starts the node HTTP server; resolves once listening. */
export async function startHttpServer(
  app: Hono<AppEnv>,
  port: number,
  hostname = '0.0.0.0',
): Promise<ServerType> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname }, () => resolve(server));
  });
}

/** Stops accepting connections and waits for in-flight requests (bounded by the caller's deadline). */
export async function stopHttpServer(server: ServerType): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  });
}
