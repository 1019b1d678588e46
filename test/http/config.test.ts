import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config';

// loadConfig is a pure function of the environment it is given: these tests never read process.env.

const key = () => randomBytes(32).toString('base64');
// The development defaults, as a fresh clone runs with them (see src/config.ts).
const DEV_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
const DEV_BLIND_INDEX_KEY = Buffer.alloc(32, 11).toString('base64');
const DEV_JWT_SECRET = 'dev-only-jwt-secret-change-me-0123456789abcdef';

function productionEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgresql://aimex@db.internal:5432/aimex',
    REDIS_URL: 'redis://cache.internal:6379/0',
    S3_ENDPOINT: 'https://s3.ap-northeast-2.amazonaws.com',
    S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    S3_SECRET_ACCESS_KEY: randomBytes(30).toString('base64'),
    JWT_SECRET: randomBytes(32).toString('hex'),
    MASTER_KEY: key(),
    BLIND_INDEX_KEY: key(),
    ...overrides,
  };
  for (const name of Object.keys(env)) if (env[name] === undefined) delete env[name];
  return env;
}

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, but loadConfig returned');
}

describe('development defaults', () => {
  it('given an empty environment, then a complete development configuration', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      host: '127.0.0.1',
      port: 4000,
      databaseUrl: 'postgresql://postgres@127.0.0.1:5432/aimex',
      redisUrl: 'redis://127.0.0.1:6379/0',
      s3: { endpoint: null, region: 'ap-northeast-2', bucket: 'aimex-dev', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      jwtSecret: DEV_JWT_SECRET,
      accessTokenTtlSeconds: 15 * 60,
      refreshTokenTtlSeconds: 14 * 24 * 3600,
      signIn: { maxFailures: 5, lockSeconds: 15 * 60 },
      bodyLimitBytes: 2 * 1024 * 1024,
      queryLimits: { maxDepth: 12, maxAliases: 30, maxCost: 20000, maxTokens: 4000 },
      logLevel: 'info',
      embeddedWorker: true,
    });
    expect(config.masterKey.version).toBe(1);
    expect(config.masterKey.key.toString('base64')).toBe(DEV_MASTER_KEY);
    expect(config.blindIndexKey.toString('base64')).toBe(DEV_BLIND_INDEX_KEY);
    expect(config.retiredMasterKeys.size).toBe(0);
    expect(config.privacyContacts.map((c) => c.role)).toEqual(['CHIEF_PRIVACY_OFFICER', 'ACCESS_REQUEST_DESK']);
  });

  it('given NODE_ENV=test, then logs are silent by default', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).logLevel).toBe('silent');
  });

  it('given settings in the environment, then they are parsed and typed', () => {
    const config = loadConfig({
      PORT: '8080', QUERY_MAX_DEPTH: '7', BODY_LIMIT_BYTES: '1024', RATE_LIMIT_PER_MINUTE: '0', EMBEDDED_WORKER: 'false', S3_ENDPOINT: 'http://127.0.0.1:9000',
    });
    expect(config.port).toBe(8080);
    expect(config.queryLimits.maxDepth).toBe(7);
    expect(config.bodyLimitBytes).toBe(1024);
    expect(config.requestsPerMinute).toBe(0);
    expect(config.embeddedWorker).toBe(false);
    expect(config.s3.endpoint).toBe('http://127.0.0.1:9000');
  });

  it('given GRAPHQL_JIT and DATA_KEY_CACHE_SECONDS, then graphql-jit and the key cache are on by default and follow the settings', () => {
    expect(loadConfig({})).toMatchObject({ graphqlJit: true, dataKeyCacheSeconds: 300 });
    expect(loadConfig({ GRAPHQL_JIT: 'false', DATA_KEY_CACHE_SECONDS: '0' })).toMatchObject({ graphqlJit: false, dataKeyCacheSeconds: 0 });
  });

  it.each([['PORT', 'abc'], ['QUERY_MAX_COST', '-1'], ['BODY_LIMIT_BYTES', '1.5'], ['DATA_KEY_CACHE_SECONDS', '-5']])('given %s=%s, then ConfigError names it', (name, value) => {
    expect(configError(() => loadConfig({ [name]: value })).message).toBe(`${name} must be a non-negative integer`);
  });

  it('given an unknown NODE_ENV, then ConfigError', () => {
    expect(configError(() => loadConfig({ NODE_ENV: 'staging' })).message).toMatch(/NODE_ENV/);
  });

  it('the returned configuration is frozen', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => { (config as { port: number }).port = 1; }).toThrow(TypeError);
    expect(config.port).toBe(4000);
  });

  it('nested settings are frozen too, so no module can change them for the others', () => {
    const config = loadConfig({});
    for (const nested of [config.s3, config.masterKey, config.signIn, config.queryLimits, config.privacyContacts, ...config.privacyContacts]) {
      expect(Object.isFrozen(nested)).toBe(true);
    }
    expect(() => { (config.queryLimits as { maxDepth: number }).maxDepth = 1000; }).toThrow(TypeError);
    expect(() => { (config.s3 as { secretAccessKey: string }).secretAccessKey = 'x'; }).toThrow(TypeError);
    expect(() => { (config.privacyContacts as unknown[]).push({}); }).toThrow(TypeError);
    expect(loadConfig({}).queryLimits.maxDepth).toBe(12);
  });
});

describe('production', () => {
  it('given every secret and setting, then it loads with those values', () => {
    const env = productionEnv();
    const config = loadConfig(env);
    expect(config.nodeEnv).toBe('production');
    expect(config.jwtSecret).toBe(env.JWT_SECRET);
    expect(config.masterKey.key.toString('base64')).toBe(env.MASTER_KEY);
    expect(config.blindIndexKey.toString('base64')).toBe(env.BLIND_INDEX_KEY);
    expect(config.s3).toMatchObject({ endpoint: env.S3_ENDPOINT, accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY });
    expect(config.databaseUrl).toBe(env.DATABASE_URL);
    expect(config.redisUrl).toBe(env.REDIS_URL);
  });

  it.each([
    'JWT_SECRET', 'MASTER_KEY', 'BLIND_INDEX_KEY', 'S3_SECRET_ACCESS_KEY',
    'DATABASE_URL', 'REDIS_URL', 'S3_ENDPOINT', 'S3_ACCESS_KEY_ID',
  ])('given %s missing, then it refuses to start and names it', (name) => {
    expect(configError(() => loadConfig(productionEnv({ [name]: undefined }))).message).toBe(`${name} is required in production`);
    // An empty value is as missing as an absent one.
    expect(configError(() => loadConfig(productionEnv({ [name]: '' }))).message).toBe(`${name} is required in production`);
  });

  it.each([
    ['JWT_SECRET', DEV_JWT_SECRET],
    ['MASTER_KEY', DEV_MASTER_KEY],
    ['BLIND_INDEX_KEY', DEV_BLIND_INDEX_KEY],
    ['S3_SECRET_ACCESS_KEY', 'S3RVER'],
  ])('given %s set to its development default, then it refuses to start and names it', (name, devValue) => {
    expect(configError(() => loadConfig(productionEnv({ [name]: devValue }))).message)
      .toBe(`${name} is the development default; set a real secret in production`);
  });

  it('given a JWT_SECRET of 31 characters, then it is refused; 32 are accepted', () => {
    expect(configError(() => loadConfig(productionEnv({ JWT_SECRET: 'x'.repeat(31) }))).message).toBe('JWT_SECRET must be at least 32 characters');
    expect(loadConfig(productionEnv({ JWT_SECRET: 'x'.repeat(32) })).jwtSecret).toBe('x'.repeat(32));
  });

  it('given the development defaults only outside production, then they are accepted there', () => {
    expect(() => loadConfig({ NODE_ENV: 'development', JWT_SECRET: DEV_JWT_SECRET, MASTER_KEY: DEV_MASTER_KEY })).not.toThrow();
  });
});

describe('keys', () => {
  it.each([
    ['31 bytes', randomBytes(31).toString('base64')],
    ['33 bytes', randomBytes(33).toString('base64')],
    ['not base64 of anything', '!!!'],
  ])('given a MASTER_KEY of %s, then ConfigError names it', (_label, value) => {
    expect(configError(() => loadConfig({ MASTER_KEY: value })).message).toBe('MASTER_KEY must be the base64 encoding of exactly 32 bytes');
    expect(configError(() => loadConfig(productionEnv({ MASTER_KEY: value }))).message).toMatch(/^MASTER_KEY /);
  });

  it('given a BLIND_INDEX_KEY of 16 bytes, then ConfigError names it', () => {
    expect(configError(() => loadConfig({ BLIND_INDEX_KEY: randomBytes(16).toString('base64') })).message)
      .toBe('BLIND_INDEX_KEY must be the base64 encoding of exactly 32 bytes');
  });

  it('given MASTER_KEY_VERSION and retired keys, then both are parsed by version', () => {
    const [k1, k2] = [randomBytes(32), randomBytes(32)];
    const config = loadConfig({ MASTER_KEY: key(), MASTER_KEY_VERSION: '3', MASTER_KEYS_RETIRED: ` 1:${k1.toString('base64')} , 2:${k2.toString('base64')} ` });
    expect(config.masterKey.version).toBe(3);
    expect([...config.retiredMasterKeys.keys()].sort()).toEqual([1, 2]);
    expect(config.retiredMasterKeys.get(1)!.equals(k1)).toBe(true);
    expect(config.retiredMasterKeys.get(2)!.equals(k2)).toBe(true);
  });

  it.each([
    ['no version', key()],
    ['version 0', `0:${key()}`],
    ['a non-numeric version', `one:${key()}`],
    ['a missing key', '1:'],
  ])('given MASTER_KEYS_RETIRED with %s, then ConfigError shows the format', (_label, value) => {
    expect(configError(() => loadConfig({ MASTER_KEY_VERSION: '2', MASTER_KEYS_RETIRED: value })).message)
      .toBe('MASTER_KEYS_RETIRED must look like "1:<base64>,2:<base64>"');
  });

  it('given a retired key that is not 32 bytes, then ConfigError names MASTER_KEYS_RETIRED', () => {
    expect(configError(() => loadConfig({ MASTER_KEY_VERSION: '2', MASTER_KEYS_RETIRED: `1:${randomBytes(8).toString('base64')}` })).message)
      .toBe('MASTER_KEYS_RETIRED must be the base64 encoding of exactly 32 bytes');
  });

  it('given a retired key with the current version, then ConfigError', () => {
    expect(configError(() => loadConfig({ MASTER_KEY_VERSION: '2', MASTER_KEYS_RETIRED: `2:${key()}` })).message)
      .toBe('MASTER_KEYS_RETIRED must not contain the current MASTER_KEY_VERSION');
  });

  it('given MASTER_KEY_VERSION=0, then ConfigError', () => {
    expect(configError(() => loadConfig({ MASTER_KEY_VERSION: '0' })).message).toBe('MASTER_KEY_VERSION must be at least 1');
  });
});

describe('PRIVACY_CONTACTS', () => {
  it('given a JSON array of contacts, then they replace the defaults', () => {
    const contacts = [
      { role: 'CHIEF_PRIVACY_OFFICER', name: '김보호', department: '보안팀', email: 'cpo@aimex.example', phone: '02-1234-5678' },
      { role: 'PRIVACY_MANAGER', name: '이담당' },
    ];
    expect(loadConfig({ PRIVACY_CONTACTS: JSON.stringify(contacts) }).privacyContacts).toEqual(contacts);
  });

  it('given invalid JSON, then ConfigError says it must be a JSON array', () => {
    expect(configError(() => loadConfig({ PRIVACY_CONTACTS: '[{role:' })).message).toBe('PRIVACY_CONTACTS must be a JSON array');
  });

  it.each([
    ['an object instead of an array', { role: 'CHIEF_PRIVACY_OFFICER', name: 'x' }],
    ['an unknown role', [{ role: 'CEO', name: 'x' }]],
    ['a missing name', [{ role: 'PRIVACY_MANAGER' }]],
    ['a name that is not a string', [{ role: 'PRIVACY_MANAGER', name: 42 }]],
    ['a null entry', [null]],
  ])('given %s, then ConfigError names the required role and name', (_label, value) => {
    expect(configError(() => loadConfig({ PRIVACY_CONTACTS: JSON.stringify(value) })).message)
      .toBe('PRIVACY_CONTACTS entries need a role (CHIEF_PRIVACY_OFFICER, PRIVACY_MANAGER, ACCESS_REQUEST_DESK) and a name');
  });
});
