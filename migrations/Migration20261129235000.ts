import { Migration } from '@mikro-orm/migrations';

export class Migration20261129235000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "legal_holds" ("id" uuid not null, "subject_id" uuid not null, "reason" text not null, "until" timestamptz null, "placed_by_id" uuid null, "created_at" timestamptz not null, "released_at" timestamptz null, constraint "legal_holds_pkey" primary key ("id"));`);
    this.addSql(`create index "legal_holds_subject_id_index" on "legal_holds" ("subject_id");`);

    this.addSql(`create table "purge_runs" ("id" uuid not null, "dry_run" boolean not null, "status" text check ("status" in ('RUNNING', 'SUCCEEDED', 'FAILED')) not null default 'RUNNING', "started_at" timestamptz not null, "finished_at" timestamptz null, "counts" jsonb not null, "error" text null, "requested_by_id" uuid null, constraint "purge_runs_pkey" primary key ("id"));`);
    this.addSql(`create index "purge_runs_started_at_index" on "purge_runs" ("started_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "legal_holds" cascade;`);

    this.addSql(`drop table if exists "purge_runs" cascade;`);
  }

}
