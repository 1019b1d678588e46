import type { Readable } from 'node:stream';
import {
  CopyObjectCommand, CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Config } from '../config';

// The stack pins this SDK on Node 20 on purpose (STACK.md); its reminder about Node 22 is noise in every log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Object storage over S3 (a local S3-compatible server in development and tests). */
export class Storage {
  readonly client: S3Client;
  readonly bucket: string;

  constructor(s3: Config['s3'] & { endpoint: string }) {
    this.bucket = s3.bucket;
    this.client = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      // Without these, the SDK's default checksums corrupt streamed bodies on local servers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    }
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  async put(key: string, body: Buffer | string, contentType = 'application/octet-stream'): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async getBuffer(key: string): Promise<Buffer> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return Buffer.from(await out.Body!.transformToByteArray());
  }

  /** The object's size, or null when there is none. */
  async size(key: string): Promise<number | null> {
    return (await this.head(key))?.size ?? null;
  }

  /** The object's size and ETag, or null when there is none. */
  async head(key: string): Promise<{ size: number; etag: string | null } | null> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: out.ContentLength ?? 0, etag: out.ETag ?? null };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  /** Copies inside the bucket (server-side); false when the source is missing. */
  async copy(from: string, to: string): Promise<boolean> {
    try {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource: `${this.bucket}/${from.split('/').map(encodeURIComponent).join('/')}` }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  /** Every object under a prefix, a page at a time. */
  async *list(prefix: string): AsyncGenerator<{ key: string; size: number; lastModified: Date | null }> {
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: 1000 }));
      for (const object of page.Contents ?? []) if (object.Key) yield { key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified ?? null };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async stream(key: string): Promise<Readable> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return out.Body as Readable;
  }

  /** Bytes `start` to `end` (inclusive; clipped to the object) as a stream, with the object's whole size (from Content-Range). */
  async range(key: string, start: number, end: number): Promise<{ body: Readable; total: number }> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${end}` }));
    const total = Number(/\/(\d+)$/.exec(out.ContentRange ?? '')?.[1] ?? out.ContentLength ?? 0);
    return { body: out.Body as Readable, total };
  }

  /** Streams a body of unknown length (multipart past 5 MiB). */
  async upload(key: string, body: Readable, contentType: string): Promise<void> {
    await new Upload({ client: this.client, params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType } }).done();
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  presignGet(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresInSeconds });
  }

  presignPut(key: string, expiresInSeconds: number, contentType?: string): Promise<string> {
    return getSignedUrl(this.client, new PutObjectCommand({ Bucket: this.bucket, Key: key, ContentType: contentType }), { expiresIn: expiresInSeconds });
  }

  /**
   * A pre-signed POST policy (browser form upload) for exactly this key, at most maxBytes:
   * S3 refuses a larger body (content-length-range) and any other key.
   */
  async presignPost(key: string, maxBytes: number, expiresInSeconds: number): Promise<{ url: string; fields: Record<string, string> }> {
    // The package pins its own copy of client-s3 (an older minor); it only reads the client's config.
    const client = this.client as unknown as Parameters<typeof createPresignedPost>[0];
    return createPresignedPost(client, {
      Bucket: this.bucket, Key: key, Expires: expiresInSeconds, Conditions: [['content-length-range', 1, maxBytes]],
    });
  }

  destroy(): void {
    this.client.destroy();
  }
}

function isMissing(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = (error as Error).name;
  return status === 404 || name === 'NotFound' || name === 'NoSuchKey';
}
