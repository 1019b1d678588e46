import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config';
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS, originMatcher } from './origins';

/**
 * @fastify/cors with the allowed origins. Registered before every other hook,
 * so the preflight is answered before the rate limit or Apollo's CSRF guard
 * look at it, and refusals (429, 413) still carry the CORS headers a browser
 * needs to read them. A request from an origin not on the list gets no CORS
 * headers (the browser hides the answer) and its preflight is not answered.
 * Apollo's CSRF prevention stays on: a cross-origin "simple" request (a form
 * post, text/plain) is still refused, allowed origin or not.
 */
export async function registerCors(app: FastifyInstance, config: Pick<Config, 'cors'>): Promise<void> {
  const allowed = originMatcher(config.cors.origins);
  await app.register(cors, {
    hook: 'onRequest',
    origin: (origin, callback) => callback(null, origin !== undefined && allowed(origin)),
    methods: ['GET', 'POST'],
    allowedHeaders: [...CORS_ALLOWED_HEADERS],
    exposedHeaders: [...CORS_EXPOSED_HEADERS],
    credentials: true,
    maxAge: config.cors.maxAgeSeconds,
    strictPreflight: true,
  });
}

/** The bucket CORS rule for the same origins (the local S3 server gets it; a real bucket needs the same, see README). */
export function bucketCorsXml(config: Pick<Config, 'cors'>): string | null {
  if (config.cors.origins.length === 0) return null;
  const origins = config.cors.origins.map((origin) => `<AllowedOrigin>${origin}</AllowedOrigin>`).join('');
  return `<CORSConfiguration><CORSRule>${origins}<AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod>`
    + `<AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>${config.cors.maxAgeSeconds}</MaxAgeSeconds></CORSRule></CORSConfiguration>`;
}
