import { Migration } from '@mikro-orm/migrations';

export class Migration20261129210000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "conversations" ("id" uuid not null, "user_id" uuid not null, "model_id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "conversations_pkey" primary key ("id"));`);
    this.addSql(`create index "conversations_user_id_updated_at_index" on "conversations" ("user_id", "updated_at");`);

    this.addSql(`create table "chat_messages" ("id" uuid not null, "conversation_id" uuid not null, "user_id" uuid not null, "role" text check ("role" in ('USER', 'ASSISTANT')) not null, "text_enc" bytea not null, "ai_generated" boolean not null, "redactions" text[] not null, "created_at" timestamptz not null, constraint "chat_messages_pkey" primary key ("id"));`);
    this.addSql(`create index "chat_messages_user_id_index" on "chat_messages" ("user_id");`);
    this.addSql(`create index "chat_messages_conversation_id_created_at_index" on "chat_messages" ("conversation_id", "created_at");`);

    this.addSql(`alter table "conversations" add constraint "conversations_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conversations" add constraint "conversations_model_id_foreign" foreign key ("model_id") references "influencer_models" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "chat_messages" add constraint "chat_messages_conversation_id_foreign" foreign key ("conversation_id") references "conversations" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "chat_messages" drop constraint "chat_messages_conversation_id_foreign";`);

    this.addSql(`drop table if exists "conversations" cascade;`);

    this.addSql(`drop table if exists "chat_messages" cascade;`);
  }

}
