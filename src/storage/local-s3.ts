import { mkdirSync } from 'node:fs';
import S3rver from 's3rver';

/**
 * A local S3-compatible server for development and tests (npm start runs it
 * when S3_ENDPOINT is unset). Not for production: config refuses that.
 */
export async function startLocalS3(options: {
  port: number; directory: string; silent?: boolean;
  /** Created (or re-configured) at start with this CORS configuration, so browsers can use its pre-signed URLs. */
  bucket?: { name: string; corsXml: string | null };
}): Promise<{ endpoint: string; close: () => Promise<void> }> {
  mkdirSync(options.directory, { recursive: true });
  const configureBuckets = options.bucket ? [{ name: options.bucket.name, configs: options.bucket.corsXml ? [options.bucket.corsXml] : [] }] : [];
  const server = new S3rver({
    port: options.port, address: '127.0.0.1', directory: options.directory, silent: options.silent ?? true, allowMismatchedSignatures: false, configureBuckets,
  });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () => server.close(),
  };
}
