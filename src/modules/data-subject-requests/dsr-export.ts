import { PassThrough } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import { openPersonal } from '../../privacy/personal-data';
import { PERSONAL_DATA_REGISTRY } from '../../privacy/registry';
import { putEncrypted } from '../../storage/encrypted';
import type { Storage } from '../../storage/storage';
import { DataCategory } from '../policies/policy.entity';

// The ACCESS export: every personal datum of the subject, found by walking the
// registry (no list of tables here), as a JSON document and an HTML page of the
// same content, streamed into S3 encrypted under the subject's key. Rows are
// read in pages by primary key, so memory stays flat however many there are.

export const CATEGORY_LABELS_KO: Record<DataCategory, string> = {
  [DataCategory.MEMBER_PROFILE]: '회원 정보',
  [DataCategory.SERVICE_USAGE_RECORD]: '서비스 이용 기록',
  [DataCategory.MARKETING_CONSENT]: '마케팅 수신 동의',
  [DataCategory.TRAINING_DATA]: 'AI 학습 데이터',
  [DataCategory.CONTRACT_RECORD]: '계약·약관 동의 기록',
  [DataCategory.PAYMENT_RECORD]: '결제·구매 기록',
  [DataCategory.COMPLAINT_RECORD]: '민원·권리 행사 기록',
  [DataCategory.WEB_VISIT_LOG]: '웹 접속 기록',
  [DataCategory.ACCESS_LOG]: '개인정보 접근 기록',
  [DataCategory.CONVERSATION_LOG]: 'AI 대화 기록',
  [DataCategory.HEALTH_DATA]: '건강 정보 (민감정보)',
};

export const ENTITY_LABELS_KO: Record<string, string> = {
  User: '회원 프로필', Session: '로그인 세션', ConsentEvent: '동의 이력', AccessLogEntry: '내 정보에 대한 접근 기록 (누가, 언제, 왜)',
  WebVisit: '웹 접속 기록', UsageEvent: '서비스 이용 기록', GeneratedContent: 'AI 생성 콘텐츠', ChatMessage: 'AI 대화 메시지',
  Conversation: 'AI 대화', HealthProfile: '건강 프로필', MissionCheckIn: '미션 체크인', Mission: '헬스케어 미션', Purchase: '구매 및 리뷰',
  RecommendationFeedback: '추천 피드백', LegalHold: '법적 보존 조치', DataSubjectRequest: '정보주체 권리 행사 요청', SeparatedRecord: '분리 보관 기록',
};

const MAX_ROWS_PER_PAGE = 1000;

export interface ExportEntity {
  entity: string;
  label: string;
  properties: { name: string; item: string; category: DataCategory; sensitive: boolean }[];
}

/** What the export holds, entity by entity: every registered personal property of every entity with a subject. */
export function exportShape(): ExportEntity[] {
  return Object.entries(PERSONAL_DATA_REGISTRY)
    .filter(([, r]) => r.subject !== null && Object.keys(r.personal).length > 0)
    .map(([entity, r]) => ({
      entity,
      label: ENTITY_LABELS_KO[entity] ?? entity,
      properties: Object.entries(r.personal).map(([name, p]) => ({ name: p.field ?? name, item: p.item, category: p.category, sensitive: !!p.sensitive })),
    }));
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A writer that respects backpressure: S3 reads as fast as it uploads. */
function sink(): { stream: PassThrough; write(text: string): Promise<void>; end(): void } {
  const stream = new PassThrough();
  return {
    stream,
    async write(text) {
      if (!stream.write(text)) await new Promise<void>((resolve) => stream.once('drain', resolve));
    },
    end: () => stream.end(),
  };
}

function presentValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return null;
  return value;
}

/**
 * Writes the subject's export (JSON and HTML, encrypted) under `prefix`.
 * Returns how many records it holds.
 */
export async function writeAccessExport(em: EntityManager, storage: Storage, subjectId: string, subjectKey: Buffer, prefix: string, now = new Date()): Promise<number> {
  const json = sink();
  const html = sink();
  const uploads = Promise.all([
    putEncrypted(storage, `${prefix}export.json`, subjectKey, json.stream),
    putEncrypted(storage, `${prefix}export.html`, subjectKey, html.stream),
  ]);
  let total = 0;
  let failed: unknown = null;
  try {
    await json.write(`{"format":"aimex-access-export/1","subjectId":${JSON.stringify(subjectId)},"generatedAt":${JSON.stringify(now.toISOString())},`);
    await json.write(`"categories":${JSON.stringify(CATEGORY_LABELS_KO)},"entities":[`);
    await html.write(`<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>개인정보 열람 결과</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin:0 0 2rem;font-size:.9rem}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f4f4f4}.sensitive{color:#a00}</style>
</head><body><h1>개인정보 열람 결과</h1><p>정보주체 ID: ${escapeHtml(subjectId)}<br>생성 시각: ${escapeHtml(now.toISOString())}</p>`);
    const metadata = em.getMetadata();
    let first = true;
    for (const shape of exportShape()) {
      const registration = PERSONAL_DATA_REGISTRY[shape.entity];
      const meta = metadata.find(shape.entity)!;
      const column = (property: string) => (meta.properties[property as never] as { fieldNames: string[] }).fieldNames[0];
      const pk = meta.primaryKeys[0];
      const pkColumn = column(pk);
      const table = meta.schema ? `"${meta.schema}"."${meta.tableName}"` : `"${meta.tableName}"`;
      const properties = Object.entries(registration.personal);
      const select = [`${pkColumn} as "__pk"`, ...properties.map(([property]) => `"${column(property)}" as "${property}"`)].join(', ');
      await json.write(`${first ? '' : ','}{"entity":${JSON.stringify(shape.entity)},"label":${JSON.stringify(shape.label)},"properties":${JSON.stringify(shape.properties)},"records":[`);
      first = false;
      await html.write(`<h2>${escapeHtml(shape.label)} <small>(${escapeHtml(shape.entity)})</small></h2><table><tr>${
        shape.properties.map((p) => `<th class="${p.sensitive ? 'sensitive' : ''}" title="${escapeHtml(CATEGORY_LABELS_KO[p.category])}">${escapeHtml(p.item)}</th>`).join('')}</tr>`);
      let after: unknown = null;
      let rows = 0;
      for (;;) {
        const page = await em.execute<Record<string, unknown>[]>(
          `select ${select} from ${table} where ${column(registration.subject!)} = ?${after === null ? '' : ` and ${pkColumn} > ?`} order by ${pkColumn} limit ${MAX_ROWS_PER_PAGE}`,
          after === null ? [subjectId] : [subjectId, after],
        );
        for (const row of page) {
          const record: Record<string, unknown> = {};
          for (const [property, entry] of properties) {
            const raw = row[property];
            const value = entry.encrypted ? openOrNull(subjectKey, shape.entity, property, subjectId, raw as Buffer | null) : presentValue(raw);
            record[entry.field ?? property] = entry.encrypted && value !== null && /^\[.*\]$/s.test(String(value)) ? safeJson(String(value)) : value;
          }
          await json.write(`${rows === 0 ? '' : ','}${JSON.stringify(record)}`);
          await html.write(`<tr>${shape.properties.map((p) => `<td>${escapeHtml(display(record[p.name]))}</td>`).join('')}</tr>`);
          rows += 1;
        }
        if (page.length < MAX_ROWS_PER_PAGE) break;
        after = page[page.length - 1].__pk;
      }
      if (rows === 0) await html.write(`<tr><td colspan="${shape.properties.length}">기록 없음</td></tr>`);
      await html.write('</table>');
      await json.write(']}');
      total += rows;
    }
    await json.write(`],"recordCount":${total}}`);
    await html.write(`<p>총 ${total}건</p></body></html>`);
  } catch (error) {
    failed = error;
    json.stream.destroy(error as Error);
    html.stream.destroy(error as Error);
  } finally {
    json.end();
    html.end();
  }
  if (failed) {
    await uploads.catch(() => undefined);
    throw failed;
  }
  await uploads;
  return total;
}

/** A value sealed under another subject (a row another subject shares) reads as null, not as a failed export. */
function openOrNull(key: Buffer, entity: string, property: string, subjectId: string, sealed: Buffer | null): string | null {
  try {
    return openPersonal(key, entity, property, subjectId, sealed);
  } catch {
    return null;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function display(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
