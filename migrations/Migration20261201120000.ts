import { Migration } from '@mikro-orm/migrations';

/**
 * Files at rest (issue 7): object keys; datasets name their upload, keep the
 * preview encrypted and record validation's verdict before the original goes;
 * the outbox notifies its relay at commit.
 */
export class Migration20261201120000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "object_keys" ("id" uuid not null, "owner" text check ("owner" in ('DATASET', 'MODEL_ARTIFACT')) not null, "wrapped_key" bytea null, "key_version" int not null, "created_at" timestamptz not null, "destroyed_at" timestamptz null, constraint "object_keys_pkey" primary key ("id"));`);

    this.addSql(`alter table "datasets" add column "preview_enc" bytea null, add column "upload_key" text null, add column "validation_outcome" text check ("validation_outcome" in ('AWAITING_UPLOAD', 'VALIDATING', 'READY', 'INVALID', 'CONSUMED', 'DELETED')) null;`);
    // Uploads not completed yet: their link pointed at raw_key, which is now the upload's name.
    this.addSql(`update "datasets" set "upload_key" = "raw_key", "raw_key" = null where "status" = 'AWAITING_UPLOAD';`);
    // READY datasets kept their original until now: validate them again, so the copy and the preview are
    // encrypted and the original goes (the old plaintext copy is then unowned, and swept).
    this.addSql(`insert into "outbox" ("id", "queue", "payload", "created_at", "attempts") select gen_random_uuid(), 'dataset-validation', json_build_object('datasetId', "id"), now(), 0 from "datasets" where "status" = 'READY' and "raw_key" is not null;`);
    this.addSql(`update "datasets" set "status" = 'VALIDATING', "redacted_key" = null where "status" = 'READY' and "raw_key" is not null;`);
    // The plaintext preview goes (the revalidated ones get theirs back, encrypted).
    this.addSql(`alter table "datasets" drop column "preview";`);

    this.addSql(`create or replace function "outbox_notify"() returns trigger language plpgsql as $$ begin perform pg_notify('outbox', ''); return null; end $$;`);
    this.addSql(`create trigger "outbox_notify" after insert on "outbox" for each statement execute function "outbox_notify"();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "outbox_notify" on "outbox";`);
    this.addSql(`drop function if exists "outbox_notify"();`);
    this.addSql(`alter table "datasets" add column "preview" jsonb not null default '[]';`);
    this.addSql(`alter table "datasets" alter column "preview" drop default;`);
    this.addSql(`alter table "datasets" drop column "preview_enc", drop column "upload_key", drop column "validation_outcome";`);
    this.addSql(`drop table if exists "object_keys" cascade;`);
  }

}
