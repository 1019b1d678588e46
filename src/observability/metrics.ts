import type { ApolloServerPlugin } from '@apollo/server';
import { closeQueues } from './close-queues';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Queue, type ConnectionOptions } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AccessLogService } from '../privacy/access-log.service';

/**
 * Prometheus metrics of one API process (prom-client). Request metrics are
 * counted as requests pass; the state of queues, outbox, data-subject requests,
 * retention and the access-log chain is read when scraped, from the shared
 * PostgreSQL and Redis (so any process reports the same figures), at most
 * every `stateTtlMs` (the chain is re-verified at most every `chainTtlMs`).
 */
export interface MetricsOptions {
  orm: MikroORM;
  log: Logger;
  accessLog: AccessLogService;
  queues: readonly string[];
  connection: ConnectionOptions;
  stateTtlMs?: number;
  /** CPU, memory, event-loop and GC figures of the process (default true). */
  processMetrics?: boolean;
  chainTtlMs?: number;
  /** Counts of expired rows the purge has not removed yet, per data category (the retention engine's own plan). */
  expiredRecords?: (orm: MikroORM) => Promise<Record<string, number>>;
}

const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;
/** Operation names are client-chosen: bounded, so a client cannot grow the series without end. */
const MAX_OPERATION_NAMES = 200;
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  readonly registry = new Registry();
  private readonly http: Histogram<'method' | 'route' | 'status_code'>;
  private readonly graphql: Histogram<'operation' | 'operation_type'>;
  private readonly errors: Counter<'code' | 'operation'>;
  private readonly operationNames = new Set<string>();
  private readonly queues: Queue[];
  private state: Promise<void> | null = null;
  private stateAt = 0;
  private chainAt = 0;
  private chain: Promise<void> | null = null;

  constructor(private readonly options: MetricsOptions) {
    const registers = [this.registry];
    // The process's own figures (CPU, memory, event loop, GC) install observers that live as long as the process:
    // once per real process, not per app instance (a test run starts dozens).
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'aimex_' });
    this.http = new Histogram({ name: 'aimex_http_request_duration_seconds', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status_code'], buckets: BUCKETS, registers });
    this.graphql = new Histogram({ name: 'aimex_graphql_operation_duration_seconds', help: 'GraphQL operations by name and type', labelNames: ['operation', 'operation_type'], buckets: BUCKETS, registers });
    this.errors = new Counter({ name: 'aimex_graphql_errors_total', help: 'GraphQL errors by public code and operation', labelNames: ['code', 'operation'], registers });
    this.queues = options.queues.map((name) => new Queue(name, { connection: options.connection }));
    // Redis away: through the logger (once per outage is the Redis client's concern), never console.error after a test.
    for (const queue of this.queues) queue.on('error', (error) => options.log.debug({ queue: queue.name, err: error }, 'metrics: queue error'));

    const values = { queue: new Map<string, number>(), pending: 0, lag: 0, overdue: 0, open: 0, expired: {} as Record<string, number>, purgeAge: -1, valid: -1, checked: 0, verifiedAt: 0 };
    const refresh = () => this.refresh(values);
    // Each gauge reads the shared state when scraped; the state is refreshed once per scrape at most (cached).
    const gauge = <L extends string>(name: string, help: string, labelNames: L[], fill: (g: Gauge<L>) => void) => new Gauge<L>({
      name, help, labelNames, registers,
      async collect() {
        await refresh();
        this.reset();
        fill(this);
      },
    });
    gauge('aimex_queue_jobs', 'Jobs per queue and state (waiting, active, delayed, failed, completed, paused, prioritized)', ['queue', 'state'], (g) => {
      for (const [key, count] of values.queue) {
        const [queue, state] = key.split('\u0000');
        g.set({ queue, state }, count);
      }
    });
    gauge('aimex_outbox_pending', 'Outbox rows not yet relayed to their queue', [], (g) => g.set(values.pending));
    gauge('aimex_outbox_lag_seconds', 'Age of the oldest outbox row not yet relayed (0 when none)', [], (g) => g.set(values.lag));
    gauge('aimex_dsr_open', 'Open data-subject requests', [], (g) => g.set(values.open));
    gauge('aimex_dsr_overdue', 'Open data-subject requests past their due date', [], (g) => g.set(values.overdue));
    gauge('aimex_retention_expired_records', 'Records past their retention period the purge has not removed yet, per data category', ['category'], (g) => {
      for (const [category, count] of Object.entries(values.expired)) g.set({ category }, count);
    });
    gauge('aimex_retention_last_purge_age_seconds', 'Seconds since the last purge run that succeeded (-1: none yet)', [], (g) => g.set(values.purgeAge));
    gauge('aimex_access_log_chain_valid', '1 when the access-log hash chain verified, 0 when it did not, -1 before the first check', [], (g) => g.set(values.valid));
    gauge('aimex_access_log_chain_checked_entries', 'Entries the last chain verification walked', [], (g) => g.set(values.checked));
    gauge('aimex_access_log_chain_verified_age_seconds', 'Seconds since the chain was last verified (-1: not yet)', [], (g) => g.set(values.verifiedAt ? (Date.now() - values.verifiedAt) / 1000 : -1));
  }

  private refresh(values: {
    queue: Map<string, number>; pending: number; lag: number; overdue: number; open: number; expired: Record<string, number>; purgeAge: number;
    valid: number; checked: number; verifiedAt: number;
  }): Promise<void> {
    const { orm, log } = this.options;
    const chainTtl = this.options.chainTtlMs ?? 600_000;
    if (!this.chain && Date.now() - this.chainAt > chainTtl) {
      this.chainAt = Date.now();
      // In the background: a long chain is walked once per period, never on the scrape's clock.
      this.chain = this.options.accessLog.verify(orm.em.fork()).then((result) => {
        values.valid = result.valid ? 1 : 0;
        values.checked = result.checkedEntries;
        values.verifiedAt = Date.now();
      }).catch((error) => log.warn({ err: error }, 'metrics: access-log verification failed')).finally(() => { this.chain = null; });
    }
    if (this.state && Date.now() - this.stateAt < (this.options.stateTtlMs ?? 15_000)) return this.state;
    this.stateAt = Date.now();
    this.state = (async () => {
      const em = orm.em.fork();
      const settle = async <T>(what: string, work: () => Promise<T>): Promise<T | undefined> => {
        try {
          return await work();
        } catch (error) {
          log.warn({ err: error, what }, 'metrics: a figure could not be read');
          return undefined;
        }
      };
      await Promise.all([
        settle('queues', async () => {
          const counts = await Promise.all(this.queues.map(async (queue) => [queue.name, await queue.getJobCounts()] as const));
          values.queue = new Map(counts.flatMap(([name, byState]) => Object.entries(byState).map(([state, n]) => [`${name}\u0000${state}`, n] as const)));
        }),
        settle('outbox', async () => {
          const [row] = await em.execute<{ n: number; lag: number | null }[]>(
            'select count(*)::int as n, extract(epoch from now() - min(created_at))::float as lag from outbox where relayed_at is null');
          values.pending = row.n;
          values.lag = Math.max(0, row.lag ?? 0);
        }),
        settle('data-subject requests', async () => {
          const [row] = await em.execute<{ open: number; overdue: number }[]>(
            `select count(*)::int as open, (count(*) filter (where due_at < now()))::int as overdue from data_subject_requests where status in ('SUBMITTED', 'IN_PROGRESS')`);
          values.open = row.open;
          values.overdue = row.overdue;
        }),
        settle('purge runs', async () => {
          const [row] = await em.execute<{ age: number | null }[]>(`select extract(epoch from now() - max(finished_at))::float as age from purge_runs where status = 'SUCCEEDED' and not dry_run`);
          values.purgeAge = row.age ?? -1;
        }),
        this.options.expiredRecords ? settle('retention', async () => { values.expired = await this.options.expiredRecords!(orm); }) : undefined,
      ]);
    })();
    return this.state;
  }

  /** The operation label: the client's name when it is a plain GraphQL name, within the bound. */
  operationLabel(name: string | null | undefined): string {
    if (!name || !OPERATION_NAME.test(name)) return 'anonymous';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return 'other';
    this.operationNames.add(name);
    return name;
  }

  observeHttp(method: string, route: string, status: number, seconds: number): void {
    this.http.observe({ method, route, status_code: String(status) }, seconds);
  }

  /** Apollo plugin: latency by operation and type, errors by the code the client got. */
  apolloPlugin<T extends object>(): ApolloServerPlugin<T> {
    const metrics = this;
    return {
      async requestDidStart() {
        const started = process.hrtime.bigint();
        let type = 'unknown';
        return {
          async didResolveOperation({ operation }) {
            type = operation?.operation ?? 'unknown';
          },
          async willSendResponse({ request, operationName, response }) {
            const operation = metrics.operationLabel(operationName ?? request.operationName);
            metrics.graphql.observe({ operation, operation_type: type }, Number(process.hrtime.bigint() - started) / 1e9);
            const errors = response.body.kind === 'single' ? response.body.singleResult.errors ?? [] : [];
            for (const error of errors) metrics.errors.inc({ code: String(error.extensions?.code ?? 'UNKNOWN'), operation });
          },
        };
      },
    };
  }

  async close(): Promise<void> {
    await closeQueues(this.queues);
    await this.chain;
  }
}

/** GET /metrics on the given server (the API's, or the METRICS_PORT one). */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics): void {
  app.get('/metrics', async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).header('cache-control', 'no-store').send(body);
  });
}
