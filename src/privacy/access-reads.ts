import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '../context';
import { AccessAction } from './access-log.entity';
import type { AccessLogInput, AccessLogService } from './access-log.service';

/** Where a request's reads are written, asked for when a write starts (the viewer and operation as they are then). */
export interface AccessReadsTarget {
  em: EntityManager;
  log: AccessLogService;
  viewer: Viewer;
  ip: string;
  operation: string | null;
}

/**
 * Staff reads of other people's personal fields within one request, gathered
 * and written as one access-log entry per subject read together; a field of a
 * subject already logged for the request is not logged again, and one reached
 * later (another path to the same subject) makes an entry of its own. The
 * response waits for every write (flush): a staff read never leaves unlogged.
 */
export class AccessReads {
  private readonly fieldsBySubject = new Map<string, Set<string>>();
  /** Fields of each subject already written (or being written) for this request: read again, they are not logged twice. */
  private readonly written = new Map<string, Set<string>>();
  /** Set by writeAsRead: reads are then written while the operation goes on, not only when it has finished. */
  private target: (() => AccessReadsTarget) | null = null;
  /** Whether a subject's reads are all in: its key has loaded, so its remaining fields resolve in the same turn. */
  private settled: (subjectId: string) => boolean = () => true;
  private scheduled = false;
  private writing: Promise<void> = Promise.resolve();
  private started = false;
  private failure: { error: unknown } | null = null;

  record(subjectId: string, field: string): void {
    if (this.written.get(subjectId)?.has(field)) return;
    let fields = this.fieldsBySubject.get(subjectId);
    if (!fields) this.fieldsBySubject.set(subjectId, (fields = new Set()));
    fields.add(field);
    if (this.target && !this.scheduled) {
      this.scheduled = true;
      // After the reads of this turn of the event loop (a page's fields resolve together): its entries go to the
      // database while the rest of the operation waits on its own queries, instead of after it.
      setImmediate(() => {
        this.scheduled = false;
        if (this.target) this.write(this.target(), this.settled);
      });
    }
  }

  /**
   * Reads recorded from now on are written as they gather, each subject's once it is settled (a field without
   * a value answers before its subject's key has loaded, the others after it: they still make one entry);
   * flush writes the rest and waits for all.
   */
  writeAsRead(target: () => AccessReadsTarget, settled: (subjectId: string) => boolean): void {
    this.target = target;
    this.settled = settled;
  }

  /** Whether anything is unwritten or still being written. */
  get pending(): boolean {
    return this.fieldsBySubject.size > 0 || this.started;
  }

  /** Writes what is left and waits for every write of this request; throws the first that failed. */
  async flush(em: EntityManager, log: AccessLogService, viewer: Viewer, ip: string, operation: string | null): Promise<void> {
    this.target = null;
    this.write({ em, log, viewer, ip, operation });
    await this.writing;
    const failure = this.failure;
    this.failure = null;
    this.started = false;
    if (failure) throw failure.error;
  }

  private write(target: AccessReadsTarget, settled: (subjectId: string) => boolean = () => true): void {
    if (this.fieldsBySubject.size === 0 || target.viewer.kind !== 'user') return;
    const { userId, role } = target.viewer;
    const entries: AccessLogInput[] = [];
    for (const [subjectId, fields] of this.fieldsBySubject) {
      if (!settled(subjectId)) continue;
      entries.push({ actorId: userId, actorRole: role, action: AccessAction.READ, subjectId, fields: [...fields], operation: target.operation, ipAddress: target.ip });
      this.fieldsBySubject.delete(subjectId);
      const logged = this.written.get(subjectId);
      if (logged) for (const field of fields) logged.add(field);
      else this.written.set(subjectId, fields);
    }
    if (entries.length === 0) return;
    this.started = true;
    this.writing = this.writing.then(() => target.log.append(target.em, entries)).then(() => undefined, (error: unknown) => {
      this.failure ??= { error };
    });
  }
}
