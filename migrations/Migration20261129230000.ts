import { Migration } from '@mikro-orm/migrations';

export class Migration20261129230000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "content_items" ("id" uuid not null, "organization_id" uuid not null, "title" text not null, "body" text not null, "tags" text[] not null, "model_id" uuid null, "ai_generated" boolean not null, "disclosure" text null, "created_at" timestamptz not null, constraint "content_items_pkey" primary key ("id"));`);
    this.addSql(`create index "content_items_organization_id_created_at_index" on "content_items" ("organization_id", "created_at");`);

    this.addSql(`create table "products" ("id" uuid not null, "organization_id" uuid not null, "name" text not null, "description" text null, "category" text not null, "tags" text[] not null, "price_krw" int not null, "created_at" timestamptz not null, constraint "products_pkey" primary key ("id"));`);
    this.addSql(`create index "products_organization_id_created_at_index" on "products" ("organization_id", "created_at");`);

    this.addSql(`create table "recommendation_feedback" ("id" uuid not null, "user_id" uuid not null, "kind" text check ("kind" in ('PRODUCT', 'CONTENT', 'MISSION')) not null, "item_id" uuid not null, "action" text check ("action" in ('CLICKED', 'DISMISSED')) not null, "created_at" timestamptz not null, constraint "recommendation_feedback_pkey" primary key ("id"));`);
    this.addSql(`create index "recommendation_feedback_user_id_kind_index" on "recommendation_feedback" ("user_id", "kind");`);

    this.addSql(`create table "purchases" ("id" uuid not null, "user_id" uuid not null, "product_id" uuid not null, "quantity" int not null, "amount_krw" int not null, "purchased_at" timestamptz not null, "review_rating" int null, "review_text_enc" bytea null, "reviewed_at" timestamptz null, constraint "purchases_pkey" primary key ("id"));`);
    this.addSql(`create index "purchases_user_id_purchased_at_index" on "purchases" ("user_id", "purchased_at");`);

    this.addSql(`alter table "content_items" add constraint "content_items_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "products" add constraint "products_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "purchases" add constraint "purchases_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "purchases" add constraint "purchases_product_id_foreign" foreign key ("product_id") references "products" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "purchases" drop constraint "purchases_product_id_foreign";`);

    this.addSql(`drop table if exists "content_items" cascade;`);

    this.addSql(`drop table if exists "products" cascade;`);

    this.addSql(`drop table if exists "recommendation_feedback" cascade;`);

    this.addSql(`drop table if exists "purchases" cascade;`);
  }

}
