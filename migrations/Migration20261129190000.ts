import { Migration } from '@mikro-orm/migrations';

export class Migration20261129190000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "datasets" ("id" uuid not null, "organization_id" uuid not null, "name" text not null, "kind" text check ("kind" in ('QA_CONVERSATION', 'CHARACTER_PROFILE', 'PRODUCT_INFO', 'MARKETING_MATERIAL', 'GENERAL_TEXT')) not null, "format" text check ("format" in ('CSV', 'JSON', 'JSONL', 'TXT', 'MD')) not null, "status" text check ("status" in ('AWAITING_UPLOAD', 'VALIDATING', 'READY', 'INVALID', 'CONSUMED', 'DELETED')) not null default 'AWAITING_UPLOAD', "size_bytes" int null, "checksum_sha256" text null, "record_count" int null, "qa_pair_count" int null, "issues" jsonb not null, "issue_count" int not null default 0, "pii_counts" jsonb not null, "preview" jsonb not null, "raw_key" text null, "redacted_key" text null, "raw_deleted_at" timestamptz null, "created_by_id" uuid null, "created_by_api_key_id" uuid null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "datasets_pkey" primary key ("id"));`);
    this.addSql(`create index "datasets_organization_id_created_at_index" on "datasets" ("organization_id", "created_at");`);

    this.addSql(`alter table "datasets" add constraint "datasets_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "datasets" add constraint "datasets_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "datasets" cascade;`);
  }

}
