import 'reflect-metadata';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { bucketCorsXml } from '../../src/http/cors';
import { startLocalS3 } from '../../src/storage/local-s3';
import './env';

/** A fresh database (migrations run here, which tests them), an empty Redis db and a real S3-compatible server. */
export default async function globalSetup(): Promise<void> {
  const config = loadConfig();
  const url = new URL(config.databaseUrl);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  await admin.query(`drop database if exists "${name}" with (force)`);
  await admin.end();
  // In a child process: jest's module realms must not share MikroORM's global metadata.
  execFileSync(process.execPath, ['-r', '@swc-node/register', join(__dirname, '../../src/bin/prepare-db.ts')], {
    env: process.env, stdio: ['ignore', 'ignore', 'inherit'],
  });

  const redis = new Redis(config.redisUrl);
  await redis.flushdb();
  redis.disconnect();

  const s3Url = new URL(config.s3.endpoint!);
  const s3 = await startLocalS3({
    port: Number(s3Url.port), directory: `/tmp/aimex-test-s3-${process.pid}`, bucket: { name: config.s3.bucket, corsXml: bucketCorsXml(config) },
  });
  (globalThis as Record<string, unknown>).__AIMEX_S3__ = s3;
}
