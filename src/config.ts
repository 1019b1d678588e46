import { defaultDevelopmentOrigins, invalidOriginPattern } from './http/origins';

// The only reader of process.env. Every setting has a development default so a
// fresh clone runs with no configuration; production refuses those defaults.

export type NodeEnv = 'development' | 'test' | 'production';

export interface PrivacyContactConfig {
  role: 'CHIEF_PRIVACY_OFFICER' | 'PRIVACY_MANAGER' | 'ACCESS_REQUEST_DESK';
  name: string;
  department?: string;
  email?: string;
  phone?: string;
}

export interface Config {
  nodeEnv: NodeEnv;
  host: string;
  port: number;
  /** Behind a load balancer: trust X-Forwarded-For from it, so per-IP limits and logs see the client. */
  trustProxy: boolean | string;
  databaseUrl: string;
  redisUrl: string;
  s3: {
    /** Unset: a local S3-compatible server is started for development. */
    endpoint: string | null;
    region: string;
    bucket: string;
    accessKeyId: string;
    secretAccessKey: string;
    localDataDir: string;
    localPort: number;
  };
  jwtSecret: string;
  /** Where clients reach this API (links it hands out, such as data-subject exports). */
  publicUrl: string;
  /** AES-256 key wrapping every subject's data key, with its version. */
  masterKey: { version: number; key: Buffer };
  /** Earlier master keys, kept so data keys wrapped by them can be re-wrapped. */
  retiredMasterKeys: Map<number, Buffer>;
  /** Operations run by graphql-jit (compiled once per distinct operation); false: by graphql-js. */
  graphqlJit: boolean;
  /** How long a subject's unwrapped data key stays in this process's memory for later requests (0: each request unwraps its own). */
  dataKeyCacheSeconds: number;
  blindIndexKey: Buffer;
  /** The key being rotated away from: still tried on look-up until `rotate-blind-index` has run. */
  previousBlindIndexKey: Buffer | null;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  signIn: {
    maxFailures: number;
    lockSeconds: number;
    perIpLimit: number;
    perIpWindowSeconds: number;
    /** How long failed sign-ins on an email without an account count towards its lock (an account keeps its count until a success). */
    unknownEmailWindowSeconds: number;
  };
  /** Requests per account or API key per minute, counted after authentication; 0 turns it off. */
  requestsPerMinute: number;
  /** Requests per client IP per minute, counted before any credential is checked; 0 turns it off. */
  requestsPerIpPerMinute: number;
  bodyLimitBytes: number;
  queryLimits: { maxDepth: number; maxAliases: number; maxCost: number; maxTokens: number };
  datasetUploadLimitBytes: number;
  /** The most redacted data (bytes) one LOCAL or RUNPOD training job reads; a larger job fails without retries. */
  trainingInputMaxBytes: number;
  /** The API's loaded models (compact artifacts) are an LRU bounded by their total bytes. */
  modelCacheMaxBytes: number;
  privacyContacts: PrivacyContactConfig[];
  logLevel: string;
  /** Run a worker process beside the HTTP server (npm start). */
  embeddedWorker: boolean;
  /** Recovery of jobs (README, Jobs: Recovery). */
  jobs: JobsConfig;
  /** RunPod serverless endpoint for the RUNPOD training backend; null: that backend is refused. */
  runpod: RunPodConfig | null;
  /** On SIGTERM, how long /ready answers 503 while requests are still served, before the server closes. */
  shutdownDrainMs: number;
  /** Prometheus metrics: on the API port (port null), or on a port of their own (METRICS_PORT, METRICS_HOST). */
  metrics: { port: number | null; host: string };
  /** Browser origins allowed to call the API and upload to the bucket (CORS_ORIGINS), and how long a preflight is cached. */
  cors: { origins: string[]; maxAgeSeconds: number };
}

export interface JobsConfig {
  /** OUTBOX_RETENTION_HOURS: relayed outbox rows are deleted this long after they were relayed. */
  outboxRetentionHours: number;
  /** OUTBOX_LEASE_MS: a claimed row not marked relayed within this is claimed again (the relay crashed between steps). */
  outboxLeaseMs: number;
  /** RECONCILE_INTERVAL_MS: how often the reconciler looks for rows whose job is missing or failed. */
  reconcileIntervalMs: number;
  /** RECONCILE_GRACE_MS: a row is only reconciled once its last relay is this old. */
  reconcileGraceMs: number;
  /** RECONCILE_MAX_REQUEUES: a row whose job was lost this many times is failed instead of queued again. */
  reconcileMaxRequeues: number;
  /** JOB_LOCK_MS and JOB_STALLED_INTERVAL_MS: a dead worker's job runs again within about lock + 2 x interval. */
  lockDurationMs: number;
  stalledIntervalMs: number;
}

export interface RunPodConfig {
  /** The endpoint's base, e.g. https://api.runpod.ai/v2/<endpointId>. */
  baseUrl: string;
  apiKey: string;
  pollIntervalMs: number;
  timeoutMs: number;
}

const DEV_JWT_SECRET = 'dev-only-jwt-secret-change-me-0123456789abcdef';
const DEV_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
const DEV_BLIND_INDEX_KEY = Buffer.alloc(32, 11).toString('base64');
const DEV_S3_SECRET = 'S3RVER';

const DEFAULT_CONTACTS: PrivacyContactConfig[] = [
  { role: 'CHIEF_PRIVACY_OFFICER', name: '개인정보 보호책임자', department: '개인정보보호팀', email: 'privacy@aimex.example', phone: '02-0000-0000' },
  { role: 'ACCESS_REQUEST_DESK', name: '개인정보 열람청구 접수처', department: '고객지원팀', email: 'privacy-request@aimex.example', phone: '02-0000-0001' },
];

export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${name} must be a non-negative integer`);
  return value;
}

function key32(name: string, base64: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new ConfigError(`${name} must be the base64 encoding of exactly 32 bytes`);
  return key;
}

function parseRetiredKeys(raw: string | undefined): Map<number, Buffer> {
  const keys = new Map<number, Buffer>();
  for (const part of (raw ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [version, base64] = part.split(':');
    const v = Number(version);
    if (!Number.isInteger(v) || v < 1 || !base64) throw new ConfigError('MASTER_KEYS_RETIRED must look like "1:<base64>,2:<base64>"');
    keys.set(v, key32('MASTER_KEYS_RETIRED', base64));
  }
  return keys;
}

function parseContacts(raw: string | undefined): PrivacyContactConfig[] {
  if (!raw) return DEFAULT_CONTACTS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('PRIVACY_CONTACTS must be a JSON array');
  }
  const roles = ['CHIEF_PRIVACY_OFFICER', 'PRIVACY_MANAGER', 'ACCESS_REQUEST_DESK'];
  if (!Array.isArray(parsed) || parsed.some((c) => !c || !roles.includes(c.role) || typeof c.name !== 'string')) {
    throw new ConfigError(`PRIVACY_CONTACTS entries need a role (${roles.join(', ')}) and a name`);
  }
  return parsed as PrivacyContactConfig[];
}

function parseRunPod(env: NodeJS.ProcessEnv): RunPodConfig | null {
  const baseUrl = env.RUNPOD_BASE_URL?.trim();
  const apiKey = env.RUNPOD_API_KEY?.trim();
  if (!baseUrl && !apiKey) return null;
  if (!baseUrl) throw new ConfigError('RUNPOD_BASE_URL is required when RUNPOD_API_KEY is set');
  if (!apiKey) throw new ConfigError('RUNPOD_API_KEY is required when RUNPOD_BASE_URL is set');
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ConfigError('RUNPOD_BASE_URL must be an http(s) URL such as https://api.runpod.ai/v2/<endpointId>');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError('RUNPOD_BASE_URL must be an http(s) URL such as https://api.runpod.ai/v2/<endpointId>');
  const pollIntervalMs = int(env, 'RUNPOD_POLL_INTERVAL_MS', 2000);
  if (pollIntervalMs < 1) throw new ConfigError('RUNPOD_POLL_INTERVAL_MS must be at least 1');
  const timeoutMs = int(env, 'RUNPOD_TIMEOUT_MS', 3600_000);
  if (timeoutMs < 1) throw new ConfigError('RUNPOD_TIMEOUT_MS must be at least 1');
  return { baseUrl: baseUrl.replace(/\/+$/, ''), apiKey, pollIntervalMs, timeoutMs };
}

function parseCorsOrigins(env: NodeJS.ProcessEnv, nodeEnv: NodeEnv, port: number): string[] {
  const raw = env.CORS_ORIGINS;
  // None by default in production: a deployment names its web clients.
  if (raw === undefined) return nodeEnv === 'production' ? [] : defaultDevelopmentOrigins(port);
  const origins = raw.split(',').map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean);
  for (const origin of origins) {
    const problem = invalidOriginPattern(origin);
    if (problem) throw new ConfigError(`CORS_ORIGINS: ${problem}`);
  }
  return origins;
}

/**
 * Tracing is read on its own, before the rest of the configuration and before any instrumented module
 * loads (src/observability/tracing.ts). The OpenTelemetry SDK reads its other standard OTEL_* settings itself.
 */
export function tracingConfig(env: NodeJS.ProcessEnv = process.env): { enabled: boolean; serviceName: string | null } {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return { enabled: Boolean(endpoint) && env.OTEL_SDK_DISABLED !== 'true', serviceName: env.OTEL_SERVICE_NAME || null };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const nodeEnv = (env.NODE_ENV ?? 'development') as NodeEnv;
  if (!['development', 'test', 'production'].includes(nodeEnv)) throw new ConfigError('NODE_ENV must be development, test or production');

  if (nodeEnv === 'production') {
    const devValues: Record<string, string | undefined> = {
      JWT_SECRET: DEV_JWT_SECRET,
      MASTER_KEY: DEV_MASTER_KEY,
      BLIND_INDEX_KEY: DEV_BLIND_INDEX_KEY,
      S3_SECRET_ACCESS_KEY: DEV_S3_SECRET,
    };
    for (const [name, devValue] of Object.entries(devValues)) {
      if (!env[name]) throw new ConfigError(`${name} is required in production`);
      if (env[name] === devValue) throw new ConfigError(`${name} is the development default; set a real secret in production`);
    }
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'S3_ENDPOINT', 'S3_ACCESS_KEY_ID']) {
      if (!env[name]) throw new ConfigError(`${name} is required in production`);
    }
    if ((env.JWT_SECRET ?? '').length < 32) throw new ConfigError('JWT_SECRET must be at least 32 characters');
  }

  const masterKey = { version: int(env, 'MASTER_KEY_VERSION', 1), key: key32('MASTER_KEY', env.MASTER_KEY || DEV_MASTER_KEY) };
  if (masterKey.version < 1) throw new ConfigError('MASTER_KEY_VERSION must be at least 1');
  const retired = parseRetiredKeys(env.MASTER_KEYS_RETIRED);
  if (retired.has(masterKey.version)) throw new ConfigError('MASTER_KEYS_RETIRED must not contain the current MASTER_KEY_VERSION');

  const requestsPerMinute = int(env, 'RATE_LIMIT_PER_MINUTE', 600);
  for (const name of ['SIGN_IN_PER_IP_WINDOW_SECONDS', 'SIGN_IN_LOCK_SECONDS', 'SIGN_IN_UNKNOWN_EMAIL_WINDOW_SECONDS']) {
    // 0 would mean a counter that never expires (or a lock that never starts).
    if (env[name] === '0') throw new ConfigError(`${name} must be at least 1`);
  }

  const config: Config = {
    nodeEnv,
    host: env.HOST || '127.0.0.1',
    port: int(env, 'PORT', 4000),
    trustProxy: !env.TRUST_PROXY || env.TRUST_PROXY === 'false' ? false : env.TRUST_PROXY === 'true' ? true : env.TRUST_PROXY,
    databaseUrl: env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/aimex',
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379/0',
    s3: {
      endpoint: env.S3_ENDPOINT || null,
      region: env.S3_REGION || 'ap-northeast-2',
      bucket: env.S3_BUCKET || 'aimex-dev',
      accessKeyId: env.S3_ACCESS_KEY_ID || 'S3RVER',
      secretAccessKey: env.S3_SECRET_ACCESS_KEY || DEV_S3_SECRET,
      localDataDir: env.S3_LOCAL_DIR || '.s3-data',
      localPort: int(env, 'S3_LOCAL_PORT', 4569),
    },
    jwtSecret: env.JWT_SECRET || DEV_JWT_SECRET,
    publicUrl: (env.PUBLIC_URL || `http://${env.HOST || '127.0.0.1'}:${int(env, 'PORT', 4000)}`).replace(/\/+$/, ''),
    masterKey,
    retiredMasterKeys: retired,
    graphqlJit: (env.GRAPHQL_JIT ?? 'true') !== 'false',
    dataKeyCacheSeconds: int(env, 'DATA_KEY_CACHE_SECONDS', 300),
    blindIndexKey: key32('BLIND_INDEX_KEY', env.BLIND_INDEX_KEY || DEV_BLIND_INDEX_KEY),
    previousBlindIndexKey: env.BLIND_INDEX_KEY_PREVIOUS ? key32('BLIND_INDEX_KEY_PREVIOUS', env.BLIND_INDEX_KEY_PREVIOUS) : null,
    accessTokenTtlSeconds: int(env, 'ACCESS_TOKEN_TTL_SECONDS', 15 * 60),
    refreshTokenTtlSeconds: int(env, 'REFRESH_TOKEN_TTL_SECONDS', 14 * 24 * 3600),
    signIn: {
      maxFailures: int(env, 'SIGN_IN_MAX_FAILURES', 5),
      lockSeconds: int(env, 'SIGN_IN_LOCK_SECONDS', 15 * 60),
      perIpLimit: int(env, 'SIGN_IN_PER_IP_LIMIT', 30),
      perIpWindowSeconds: int(env, 'SIGN_IN_PER_IP_WINDOW_SECONDS', 15 * 60),
      unknownEmailWindowSeconds: int(env, 'SIGN_IN_UNKNOWN_EMAIL_WINDOW_SECONDS', 7 * 24 * 3600),
    },
    requestsPerMinute,
    requestsPerIpPerMinute: int(env, 'RATE_LIMIT_PER_IP_PER_MINUTE', requestsPerMinute),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 2 * 1024 * 1024),
    queryLimits: {
      maxDepth: int(env, 'QUERY_MAX_DEPTH', 12),
      maxAliases: int(env, 'QUERY_MAX_ALIASES', 30),
      maxCost: int(env, 'QUERY_MAX_COST', 20000),
      maxTokens: int(env, 'QUERY_MAX_TOKENS', 4000),
    },
    datasetUploadLimitBytes: int(env, 'DATASET_UPLOAD_LIMIT_BYTES', 50 * 1024 * 1024),
    trainingInputMaxBytes: int(env, 'TRAINING_INPUT_MAX_BYTES', 64 * 1024 * 1024),
    modelCacheMaxBytes: int(env, 'MODEL_CACHE_MAX_BYTES', 512 * 1024 * 1024),
    privacyContacts: parseContacts(env.PRIVACY_CONTACTS),
    logLevel: env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info'),
    embeddedWorker: (env.EMBEDDED_WORKER ?? 'true') !== 'false',
    jobs: {
      outboxRetentionHours: int(env, 'OUTBOX_RETENTION_HOURS', 7 * 24),
      outboxLeaseMs: int(env, 'OUTBOX_LEASE_MS', 30_000),
      reconcileIntervalMs: int(env, 'RECONCILE_INTERVAL_MS', 60_000),
      reconcileGraceMs: int(env, 'RECONCILE_GRACE_MS', 60_000),
      reconcileMaxRequeues: int(env, 'RECONCILE_MAX_REQUEUES', 3),
      lockDurationMs: int(env, 'JOB_LOCK_MS', 15_000),
      stalledIntervalMs: int(env, 'JOB_STALLED_INTERVAL_MS', 5_000),
    },
    runpod: parseRunPod(env),
    cors: { origins: parseCorsOrigins(env, nodeEnv, int(env, 'PORT', 4000)), maxAgeSeconds: int(env, 'CORS_MAX_AGE_SECONDS', 600) },
    metrics: { port: env.METRICS_PORT ? int(env, 'METRICS_PORT', 0) : null, host: env.METRICS_HOST || env.HOST || '127.0.0.1' },
    shutdownDrainMs: int(env, 'SHUTDOWN_DRAIN_MS', nodeEnv === 'production' ? 5000 : 0),
  };
  return deepFreeze(config);
}

/** Object.freeze is shallow: nested settings (s3, limits, contacts) would stay writable. Keys stay Buffers. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value) && !(value instanceof Map) && !Object.isFrozen(value)) {
    for (const nested of Object.values(value)) deepFreeze(nested);
    Object.freeze(value);
  }
  return value;
}
