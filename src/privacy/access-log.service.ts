import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import type { Role } from '../auth/roles';
import { AccessAction, AccessLogEntry } from './access-log.entity';

export const GENESIS_HASH = '0'.repeat(64);

export interface AccessLogInput {
  actorId: string | null;
  actorRole: Role | null;
  action: AccessAction;
  subjectId: string | null;
  fields?: string[];
  operation?: string | null;
  ipAddress?: string | null;
  reason?: string | null;
}

type Entry = Omit<AccessLogEntry, 'hash'>;

/** Canonical encoding: a JSON array in fixed order, so the hash is reproducible anywhere. */
export function entryHash(e: Entry): string {
  const canonical = JSON.stringify([
    e.sequence, e.id, e.at.toISOString(), e.actorId, e.actorRole, e.action, e.subjectId,
    e.fields, e.operation, e.ipAddress, e.reason, e.previousHash,
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

const COLUMNS = 'sequence, id, at, actor_id, actor_role, action, subject_id, fields, operation, ip_address, reason, previous_hash, hash';
const SELECT = `sequence, id, at, actor_id as "actorId", actor_role as "actorRole", action, subject_id as "subjectId", fields,
  operation, ip_address as "ipAddress", reason, previous_hash as "previousHash", hash`;

interface Head { sequence: number; hash: string; lastAt: Date | null }

/** Another writer moved the head first: the chain trigger refused the entries (23000), or their sequence was taken (23505). */
const CHAIN_CONFLICTS = new Set(['23000', '23505']);

const headAfter = (entries: AccessLogEntry[]): Head => {
  const last = entries[entries.length - 1];
  return { sequence: last.sequence, hash: last.hash, lastAt: last.at };
};

/**
 * The entries as one JSON parameter read back as rows: a page of 100 staff reads is one parameter, not 1,300
 * bindings for the driver to place and convert. The database's chain trigger checks they extend the head, and moves it.
 */
const ROWS = `json_to_recordset(?::json) as v(sequence integer, id uuid, at timestamptz, actor_id uuid, actor_role text, action text,
  subject_id uuid, fields text[], operation text, ip_address text, reason text, previous_hash text, hash text)`;

const rowsParameter = (entries: AccessLogEntry[]): string => JSON.stringify(entries.map((e) => ({
  sequence: e.sequence, id: e.id, at: e.at, actor_id: e.actorId, actor_role: e.actorRole, action: e.action, subject_id: e.subjectId,
  fields: e.fields, operation: e.operation, ip_address: e.ipAddress, reason: e.reason, previous_hash: e.previousHash, hash: e.hash,
})));

export interface Verification {
  valid: boolean;
  checkedEntries: number;
  firstInvalidSequence: number | null;
  headHash: string | null;
}

export class AccessLogService {
  constructor(private readonly now: () => Date = () => new Date()) {}

  /** The chain's head as this process last wrote or read it: the next standalone append tries to extend it in one statement. */
  private head: Head | null = null;
  /** Standalone appends of this process, one after another, so each extends the head the previous one left. */
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * Appends entries, gap-free, each hashing its true predecessor. In the caller's transaction when it has one:
   * the head row is locked and read, then the entries inserted. Otherwise in one statement, without a
   * transaction of its own: the entries extend the head this process last saw, and the statement locks the
   * head before it inserts; the database's chain trigger refuses them if another process moved the head
   * meanwhile, and then the locked read-and-insert runs. A staff read costs one round trip instead of four.
   */
  async append(em: EntityManager, inputs: AccessLogInput[]): Promise<AccessLogEntry[]> {
    if (inputs.length === 0) return [];
    const knex = em.getConnection().getKnex();
    const current = em.getTransactionContext<Knex.Transaction>();
    if (current) {
      // The caller's transaction may still roll back: what it appends is not a head to build on.
      this.head = null;
      return this.appendLocked(current, inputs);
    }
    const appended = this.queue.then(() => this.appendAlone(knex, inputs));
    this.queue = appended.catch(() => undefined);
    return appended;
  }

  private async appendAlone(knex: Knex, inputs: AccessLogInput[]): Promise<AccessLogEntry[]> {
    const known = this.head;
    if (known) {
      const entries = this.entries(known, inputs);
      try {
        // The head is locked before any row goes in, as the locked path does: two writers never wait on each other in turn.
        await knex.raw(`with head as (select 1 from access_log_head where id = 1 for update)
          insert into access_log (${COLUMNS}) select v.* from head, ${ROWS} order by v.sequence`, [rowsParameter(entries)]);
        this.head = headAfter(entries);
        return entries;
      } catch (error) {
        this.head = null;
        if (!CHAIN_CONFLICTS.has((error as { code?: string }).code ?? '')) throw error;
      }
    }
    const entries = await knex.transaction((trx) => this.appendLocked(trx, inputs));
    this.head = headAfter(entries);
    return entries;
  }

  /** Locks and reads the head, then inserts: two statements in the transaction, however many entries. */
  private async appendLocked(trx: Knex.Transaction, inputs: AccessLogInput[]): Promise<AccessLogEntry[]> {
    const { rows: [head] } = await trx.raw<{ rows: Head[] }>(
      `select h.sequence, h.hash, (select e.at from access_log e where e.sequence = h.sequence) as "lastAt"
       from access_log_head h where h.id = 1 for update`,
    );
    const entries = this.entries(head, inputs);
    await trx.raw(`insert into access_log (${COLUMNS}) select v.* from ${ROWS} order by v.sequence`, [rowsParameter(entries)]);
    return entries;
  }

  /** The entries extending `head`, hashed along the chain. */
  private entries(head: Head, inputs: AccessLogInput[]): AccessLogEntry[] {
    // Never before the previous entry, so `at` does not go backwards along the chain even when servers' clocks disagree.
    const now = this.now();
    const at = head.lastAt && new Date(head.lastAt) > now ? new Date(head.lastAt) : now;
    let previous = head.hash;
    let sequence = head.sequence;
    return inputs.map((input) => {
      sequence += 1;
      const entry: Entry = {
        sequence, id: randomUUID(), at, actorId: input.actorId, actorRole: input.actorRole, action: input.action,
        subjectId: input.subjectId, fields: [...(input.fields ?? [])].sort(), operation: input.operation ?? null,
        ipAddress: input.ipAddress ?? null, reason: input.reason ?? null, previousHash: previous,
      };
      previous = entryHash(entry);
      // Plain rows, not entities: written straight to the table, never through a unit of work.
      return { ...entry, hash: previous };
    });
  }

  /** Recomputes the chain between two sequences (default: from the retention checkpoint to the head). */
  async verify(em: EntityManager, fromSequence?: number | null, toSequence?: number | null): Promise<Verification> {
    // One statement, one snapshot: the bounds agree with the head even while entries are appended.
    const [head] = await em.execute<{ sequence: number; hash: string; checkpointSequence: number; checkpointHash: string; minSequence: number | null; maxSequence: number | null }[]>(
      `select sequence, hash, checkpoint_sequence as "checkpointSequence", checkpoint_hash as "checkpointHash",
         (select min(sequence) from access_log) as "minSequence", (select max(sequence) from access_log) as "maxSequence"
       from access_log_head where id = 1`,
    );
    const from = Math.max(fromSequence ?? head.checkpointSequence + 1, head.checkpointSequence + 1, 1);
    const to = Math.min(toSequence ?? head.sequence, head.sequence);
    let expectedPrevious: string | null = from === head.checkpointSequence + 1 ? head.checkpointHash : null;
    // Rows the head does not account for (inserts are allowed, so they can be made
    // behind the chain's back): at or below the checkpoint, or beyond the head.
    if (expectedPrevious !== null && head.minSequence !== null && head.minSequence <= head.checkpointSequence) {
      return { valid: false, checkedEntries: 0, firstInvalidSequence: head.minSequence, headHash: null };
    }
    let expectedSequence = from;
    let checked = 0;
    let lastHash: string | null = null;
    const batch = 2000;
    while (expectedSequence <= to) {
      const rows = await em.execute<AccessLogEntry[]>(
        `select ${SELECT} from access_log where sequence >= ? and sequence <= ? order by sequence limit ?`,
        [expectedSequence, to, batch],
      );
      if (rows.length === 0) return { valid: false, checkedEntries: checked, firstInvalidSequence: expectedSequence, headHash: lastHash };
      for (const row of rows) {
        row.at = new Date(row.at);
        const broken = row.sequence !== expectedSequence
          || (expectedPrevious !== null && row.previousHash !== expectedPrevious)
          || entryHash(row) !== row.hash;
        if (broken) return { valid: false, checkedEntries: checked, firstInvalidSequence: expectedSequence, headHash: lastHash };
        checked += 1;
        expectedPrevious = row.hash;
        lastHash = row.hash;
        expectedSequence += 1;
      }
    }
    if (to === head.sequence && checked > 0 && lastHash !== head.hash) {
      return { valid: false, checkedEntries: checked, firstInvalidSequence: head.sequence, headHash: lastHash };
    }
    if (to === head.sequence && head.maxSequence !== null && head.maxSequence > head.sequence) {
      return { valid: false, checkedEntries: checked, firstInvalidSequence: head.sequence + 1, headHash: lastHash };
    }
    return { valid: true, checkedEntries: checked, firstInvalidSequence: null, headHash: lastHash ?? (to === head.sequence ? head.hash : null) };
  }
}
