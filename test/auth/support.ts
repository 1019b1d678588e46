import type { TestServer } from '../setup/harness';

// Direct reads of what the API wrote, for assertions the GraphQL surface does not expose.

export interface AccessLogRow {
  sequence: number;
  actorId: string | null;
  actorRole: string | null;
  action: string;
  subjectId: string | null;
  fields: string[];
  operation: string | null;
  ipAddress: string | null;
  reason: string | null;
}

export function sql<T = Record<string, unknown>>(server: TestServer, query: string, params: unknown[] = []): Promise<T[]> {
  return server.app.orm.em.fork().execute<T[]>(query, params);
}

/** The access-log entries about one subject, oldest first. */
export function accessLogAbout(server: TestServer, subjectId: string): Promise<AccessLogRow[]> {
  return sql<AccessLogRow>(server,
    `select sequence, actor_id as "actorId", actor_role as "actorRole", action, subject_id as "subjectId", fields,
       operation, ip_address as "ipAddress", reason
     from access_log where subject_id = ? order by sequence`, [subjectId]);
}

/** The highest access-log sequence so far: entries written after it are the ones a test caused. */
export async function accessLogHead(server: TestServer): Promise<number> {
  const [row] = await sql<{ sequence: string | number | null }>(server, 'select max(sequence) as sequence from access_log');
  return Number(row?.sequence ?? 0);
}

export async function usageEventTypes(server: TestServer, userId: string): Promise<string[]> {
  const rows = await sql<{ type: string }>(server, 'select type from usage_events where user_id = ? order by at, id', [userId]);
  return rows.map((r) => r.type);
}

/** The claims of one of our access tokens, read without verifying it (tests forge tokens from them). */
export function decodeClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}
