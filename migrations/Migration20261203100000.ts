import { Migration } from '@mikro-orm/migrations';

/** Team onboarding: invitations to join an organization (the invitee's address encrypted, only the token's SHA-256 kept). */
export class Migration20261203100000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "invitations" ("id" uuid not null, "organization_id" uuid not null, "invited_by_id" uuid null, "email_index" text null, "email_enc" bytea null, "token_hash" text not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "accepted_at" timestamptz null, "accepted_by_id" uuid null, "revoked_at" timestamptz null, "email_shredded_at" timestamptz null, constraint "invitations_pkey" primary key ("id"));`);
    this.addSql(`create index "invitations_organization_id_index" on "invitations" ("organization_id");`);
    this.addSql(`create index "invitations_email_index_index" on "invitations" ("email_index");`);
    this.addSql(`alter table "invitations" add constraint "invitations_token_hash_unique" unique ("token_hash");`);

    this.addSql(`alter table "invitations" add constraint "invitations_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "invitations" cascade;`);
  }

}
