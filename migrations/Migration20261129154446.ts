import { Migration } from '@mikro-orm/migrations';

export class Migration20261129154446 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "access_log" ("sequence" int not null, "id" uuid not null, "at" timestamptz not null, "actor_id" uuid null, "actor_role" text check ("actor_role" in ('MEMBER', 'ENTERPRISE', 'ADMIN', 'PRIVACY_OFFICER')) null, "action" text check ("action" in ('READ', 'REVEAL', 'UPDATE', 'DELETE', 'EXPORT', 'SIGN_IN', 'SIGN_IN_FAILED')) not null, "subject_id" uuid null, "fields" text[] not null, "operation" text null, "ip_address" text null, "reason" text null, "previous_hash" text not null, "hash" text not null, constraint "access_log_pkey" primary key ("sequence"));`);
    this.addSql(`alter table "access_log" add constraint "access_log_id_unique" unique ("id");`);
    this.addSql(`create index "access_log_at_index" on "access_log" ("at");`);
    this.addSql(`create index "access_log_actor_id_sequence_index" on "access_log" ("actor_id", "sequence");`);
    this.addSql(`create index "access_log_subject_id_sequence_index" on "access_log" ("subject_id", "sequence");`);

    this.addSql(`create table "access_log_head" ("id" int not null, "sequence" int not null, "hash" text not null, "checkpoint_sequence" int not null, "checkpoint_hash" text not null, constraint "access_log_head_pkey" primary key ("id"));`);

    this.addSql(`create table "consent_purposes" ("purpose" text not null, "required" boolean not null, "sensitive" boolean not null, "title" text not null, "description" text not null, "items" text[] not null, "retention" text not null, "sort_order" int not null, constraint "consent_purposes_pkey" primary key ("purpose"));`);

    this.addSql(`create table "organizations" ("id" uuid not null, "name" text not null, "created_at" timestamptz not null, constraint "organizations_pkey" primary key ("id"));`);

    this.addSql(`create table "outbox" ("id" uuid not null, "queue" text not null, "payload" jsonb not null, "created_at" timestamptz not null, "relayed_at" timestamptz null, "attempts" int not null default 0, constraint "outbox_pkey" primary key ("id"));`);
    this.addSql(`create index "outbox_relayed_at_created_at_index" on "outbox" ("relayed_at", "created_at");`);

    this.addSql(`create table "privacy_policies" ("version" text not null, "body" text not null, "summary_of_changes" text null, "published_at" timestamptz not null, "effective_at" timestamptz not null, "published_by_id" uuid null, constraint "privacy_policies_pkey" primary key ("version"));`);
    this.addSql(`create index "privacy_policies_effective_at_index" on "privacy_policies" ("effective_at");`);

    this.addSql(`create table "processors" ("name" text not null, "task" text not null, "retention" text not null, "country" text null, "sort_order" int not null, constraint "processors_pkey" primary key ("name"));`);

    this.addSql(`create table "retention_policies" ("category" text not null, "period" text not null, "trigger" text check ("trigger" in ('COLLECTED', 'WITHDRAWAL', 'CONSENT_WITHDRAWN', 'MODEL_TRAINED')) not null, "action" text check ("action" in ('DELETE', 'ANONYMIZE', 'SEPARATE')) not null, "legal_basis" text not null, constraint "retention_policies_pkey" primary key ("category"));`);

    this.addSql(`create table "subject_keys" ("subject_id" uuid not null, "wrapped_key" bytea null, "key_version" int not null, "created_at" timestamptz not null, "destroyed_at" timestamptz null, constraint "subject_keys_pkey" primary key ("subject_id"));`);

    this.addSql(`create table "usage_events" ("id" uuid not null, "user_id" uuid not null, "type" text check ("type" in ('SIGN_UP', 'SIGN_IN', 'SIGN_OUT', 'PASSWORD_CHANGE', 'CONSENT_CHANGE', 'PROFILE_CHANGE')) not null, "ip_address" text null, "at" timestamptz not null, constraint "usage_events_pkey" primary key ("id"));`);
    this.addSql(`create index "usage_events_at_index" on "usage_events" ("at");`);
    this.addSql(`create index "usage_events_user_id_at_index" on "usage_events" ("user_id", "at");`);

    this.addSql(`create table "users" ("id" uuid not null, "role" text check ("role" in ('MEMBER', 'ENTERPRISE', 'ADMIN', 'PRIVACY_OFFICER')) not null, "status" text check ("status" in ('ACTIVE', 'WITHDRAWN')) not null default 'ACTIVE', "email_index" text null, "email_enc" bytea null, "name_enc" bytea null, "phone_enc" bytea null, "department_enc" bytea null, "job_title_enc" bytea null, "profile_image_url_enc" bytea null, "interests_enc" bytea null, "password_hash" text null, "organization_id" uuid null, "processing_suspended" boolean not null default false, "failed_sign_ins" int not null default 0, "locked_until" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "withdrawn_at" timestamptz null, constraint "users_pkey" primary key ("id"));`);
    this.addSql(`alter table "users" add constraint "users_email_index_unique" unique ("email_index");`);
    this.addSql(`create index "users_organization_id_index" on "users" ("organization_id");`);

    this.addSql(`create table "sessions" ("id" uuid not null, "user_id" uuid not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "revoked_at" timestamptz null, "revoke_reason" text null, constraint "sessions_pkey" primary key ("id"));`);
    this.addSql(`create index "sessions_user_id_index" on "sessions" ("user_id");`);

    this.addSql(`create table "refresh_tokens" ("id" uuid not null, "session_id" uuid not null, "token_hash" text not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "used_at" timestamptz null, constraint "refresh_tokens_pkey" primary key ("id"));`);
    this.addSql(`create index "refresh_tokens_session_id_index" on "refresh_tokens" ("session_id");`);
    this.addSql(`alter table "refresh_tokens" add constraint "refresh_tokens_token_hash_unique" unique ("token_hash");`);

    this.addSql(`create table "consent_events" ("id" uuid not null, "user_id" uuid not null, "purpose" text check ("purpose" in ('TERMS_OF_SERVICE', 'PERSONAL_INFO_COLLECTION', 'MARKETING', 'PERSONALIZATION', 'HEALTH_DATA', 'CONVERSATION_ANALYSIS', 'THIRD_PARTY_PROVISION')) not null, "granted" boolean not null, "policy_version" text not null, "channel" text check ("channel" in ('WEB', 'MOBILE', 'ADMIN_CONSOLE', 'PARTNER_API')) not null, "at" timestamptz not null, constraint "consent_events_pkey" primary key ("id"));`);
    this.addSql(`create index "consent_events_user_id_at_index" on "consent_events" ("user_id", "at");`);

    this.addSql(`create table "api_keys" ("id" uuid not null, "organization_id" uuid not null, "name" text not null, "prefix" text not null, "secret_hash" text not null, "scopes" text[] not null, "created_by_id" uuid null, "created_at" timestamptz not null, "last_used_at" timestamptz null, "revoked_at" timestamptz null, constraint "api_keys_pkey" primary key ("id"));`);
    this.addSql(`create index "api_keys_organization_id_index" on "api_keys" ("organization_id");`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_secret_hash_unique" unique ("secret_hash");`);

    this.addSql(`create table "web_visits" ("id" uuid not null, "at" timestamptz not null, "ip_address" text null, "operation" text null, "user_id" uuid null, constraint "web_visits_pkey" primary key ("id"));`);
    this.addSql(`create index "web_visits_at_index" on "web_visits" ("at");`);
    this.addSql(`create index "web_visits_user_id_index" on "web_visits" ("user_id");`);

    this.addSql(`alter table "users" add constraint "users_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "sessions" add constraint "sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "refresh_tokens" add constraint "refresh_tokens_session_id_foreign" foreign key ("session_id") references "sessions" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "consent_events" add constraint "consent_events_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "api_keys" add constraint "api_keys_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on update cascade on delete set null;`);
  }

}
