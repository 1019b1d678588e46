// Test settings: a database and Redis db of the suite's own, quiet logs, and
// limits high enough that the suite's own traffic from 127.0.0.1 is not throttled.
process.env.NODE_ENV = 'test';
process.env.DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/aimex_test';
process.env.REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379/5';
process.env.S3_ENDPOINT = process.env.TEST_S3_ENDPOINT || 'http://127.0.0.1:4570';
process.env.S3_BUCKET = 'aimex-test';
process.env.LOG_LEVEL = process.env.LOG_LEVEL || 'silent';
process.env.RATE_LIMIT_PER_MINUTE = '0';
process.env.SIGN_IN_PER_IP_LIMIT = '0';
process.env.EMBEDDED_WORKER = 'false';
