import { Migration } from '@mikro-orm/migrations';

/** Data-subject requests, and the separate store for records a law keeps after erasure. */
export class Migration20261201100000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "data_subject_requests" ("id" uuid not null, "subject_id" uuid not null, "type" text check ("type" in ('ACCESS', 'RECTIFICATION', 'ERASURE', 'PROCESSING_SUSPENSION', 'PROCESSING_STATUS_NOTICE')) not null, "status" text check ("status" in ('SUBMITTED', 'IN_PROGRESS', 'COMPLETED', 'REJECTED')) not null default 'SUBMITTED', "details_enc" bytea null, "corrections_enc" bytea null, "categories" text[] not null default '{}', "submitted_at" timestamptz not null, "due_at" timestamptz not null, "completed_at" timestamptz null, "handled_by_id" uuid null, "rejection_reason" text null, "export_key" text null, "export_created_at" timestamptz null, "erasure_report" jsonb null, "processing_status" jsonb null, "events" jsonb not null default '[]', "attempts" int not null default 0, "failed_at" timestamptz null, "failure" text null, constraint "data_subject_requests_pkey" primary key ("id"));`);
    this.addSql(`create index "data_subject_requests_subject_id_submitted_at_index" on "data_subject_requests" ("subject_id", "submitted_at");`);
    this.addSql(`create index "data_subject_requests_status_due_at_index" on "data_subject_requests" ("status", "due_at");`);

    // Its own schema: apart from the live tables, so a grant can keep it from everything but the privacy tools.
    this.addSql(`create schema if not exists "separate_store";`);
    this.addSql(`create table "separate_store"."retained_records" ("id" uuid not null, "subject_id" uuid not null, "category" text not null, "source" text not null, "legal_basis" text not null, "retain_until" timestamptz not null, "separated_at" timestamptz not null, "data" jsonb not null, constraint "retained_records_pkey" primary key ("id"));`);
    this.addSql(`create index "retained_records_retain_until_index" on "separate_store"."retained_records" ("retain_until");`);
    this.addSql(`create index "retained_records_subject_id_index" on "separate_store"."retained_records" ("subject_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "data_subject_requests" cascade;`);
    this.addSql(`drop schema if exists "separate_store" cascade;`);
  }

}
