import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { TesseraConfig } from '@tessera/contracts';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ApiModule } from './api.module';
import { HttpErrorFilter } from './http-error.filter';

/** Job requests are small; scenes are streamed and never parsed as a body. */
const JSON_BODY_LIMIT = '256kb';

/** Configures an API application: body parsing, validation, errors and the OpenAPI document. */
export function configureApi(app: INestApplication): OpenAPIObject {
  const json = express.json({ limit: JSON_BODY_LIMIT, strict: true });
  app.use((request: Request, response: Response, next: NextFunction) =>
    request.path.startsWith('/v1/scenes') ? next() : json(request, response, next),
  );
  // A body that is not JSON (or too large) is answered like every other bad request: JSON with a message.
  app.use((error: Error & { status?: number; type?: string }, _request: Request, response: Response, next: NextFunction) => {
    if (!error) return next();
    const status = error.status ?? 400;
    const message = error.type === 'entity.parse.failed' ? `request body is not valid JSON: ${error.message}` : error.message;
    response.status(status).json({ statusCode: status, error: status === 413 ? 'Payload Too Large' : 'Bad Request', code: 'invalid_body', message });
  });
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, transform: true, stopAtFirstError: false }),
  );
  app.useGlobalFilters(new HttpErrorFilter());
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Tessera')
      .setDescription('Distributed render farm: upload scenes, submit jobs, download stitched frames.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key, `tsk_...`: every endpoint but /health needs one.' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return document;
}

export async function startApi(config: TesseraConfig): Promise<INestApplication> {
  const app = await NestFactory.create(ApiModule.forRoot(config), { bodyParser: false, logger: ['log', 'warn', 'error'], abortOnError: false });
  configureApi(app);
  await app.listen(config.api.port, config.api.host);
  return app;
}
