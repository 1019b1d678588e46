import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '../context';
import { AccessAction } from './access-log.entity';
import type { AccessLogService } from './access-log.service';

/**
 * Staff reads of other people's personal fields within one request, gathered
 * and written as one access-log entry per subject when the response is sent.
 */
export class AccessReads {
  private readonly fieldsBySubject = new Map<string, Set<string>>();

  record(subjectId: string, field: string): void {
    let fields = this.fieldsBySubject.get(subjectId);
    if (!fields) this.fieldsBySubject.set(subjectId, (fields = new Set()));
    fields.add(field);
  }

  get size(): number {
    return this.fieldsBySubject.size;
  }

  async flush(em: EntityManager, log: AccessLogService, viewer: Viewer, ip: string, operation: string | null): Promise<void> {
    if (this.fieldsBySubject.size === 0 || viewer.kind !== 'user') return;
    const entries = [...this.fieldsBySubject].map(([subjectId, fields]) => ({
      actorId: viewer.userId, actorRole: viewer.role, action: AccessAction.READ, subjectId,
      fields: [...fields], operation, ipAddress: ip,
    }));
    this.fieldsBySubject.clear();
    await log.append(em, entries);
  }
}
