import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppError, AppErrorFilter, contextOf, unstorableTextAt } from '@genaug/kernel';
import { AppModule, type AppOptions } from './app.module';

export interface ServerOptions extends AppOptions {
  port: number;
  host: string;
  bodyLimitBytes: number;
}

export interface RunningServer {
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
}

/** Builds the Nest app on Fastify with our error shape and request ids, and listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimitBytes,
    trustProxy: true,
    // A path Fastify cannot decode (`%ff`) is refused before routing: in our error shape too.
    frameworkErrors: (err: Error, _req: any, reply: any) => {
      const e = new AppError(400, 'invalid_request', `The URL is not valid: ${err.message}`, { param: 'url' });
      reply.code(e.status).send(e.toBody());
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(options), adapter, {
    logger: ['error', 'warn'],
    // Our own JSON parser below; the API takes no other body type (415 for them).
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (req: any, body: string, done: any) => {
    // Many clients say they send JSON on every request: a DELETE or GET that sends nothing has no body.
    if (body === '' && (req.method === 'DELETE' || req.method === 'GET')) return done(null, undefined);
    parseJson(req, body, done);
  });
  // Every response carries the request id: generated when the client sent none.
  fastify.addHook('onRequest', async (req: any, reply: any) => {
    reply.header('X-Request-ID', contextOf(req).requestId);
  });
  // Text PostgreSQL cannot store is refused before anything reads the body (see storable-text.ts).
  fastify.addHook('preValidation', (req: any, _reply: any, done: (err?: Error) => void) => {
    const at = unstorableTextAt(req.params) ?? unstorableTextAt(req.query) ?? unstorableTextAt(req.body);
    done(at ? new AppError(400, 'invalid_request', `${at} contains a NUL character or an unpaired surrogate`, { param: at }) : undefined);
  });
  app.useGlobalFilters(new AppErrorFilter());
  await app.listen(options.port, options.host);
  const address = fastify.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  return { app, url: `http://${shownHost}:${port}`, close: () => app.close() };
}
