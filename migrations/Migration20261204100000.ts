import { Migration } from '@mikro-orm/migrations';

/**
 * The outbox relay claims rows with a lease (claimed_until) instead of holding a transaction while it
 * talks to Redis; unrelayed rows are found by the partial index, relayed ones (deleted after the
 * retention period) and a dataset's, a training's or a request's latest row by the payload index.
 */
export class Migration20261204100000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "outbox" add column "claimed_until" timestamptz null;`);
    this.addSql(`create index "outbox_unrelayed_index" on "outbox" ("created_at") where "relayed_at" is null;`);
    this.addSql(`create index "outbox_queue_payload_index" on "outbox" using gin ("payload" jsonb_path_ops);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "outbox_queue_payload_index";`);
    this.addSql(`drop index if exists "outbox_unrelayed_index";`);
    this.addSql(`alter table "outbox" drop column "claimed_until";`);
  }

}
