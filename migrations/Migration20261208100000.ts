import { Migration } from '@mikro-orm/migrations';

/**
 * Each user's consents in force (the latest event per purpose), kept on the user's row by the database: a page of
 * users shows them from the row it reads, instead of a statement picking the latest of every subject's history on
 * every page. The events stay the record; a statement trigger recomputes the state of every user whose events a
 * statement inserted, deleted or changed, whatever wrote them (the service, the purge, erasure, a console), so the
 * state cannot drift from the history. Shape: [[purpose, granted, policy version, at (epoch ms)], ...] by purpose.
 */
export class Migration20261208100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table users add column current_consents json null;');
    // Volatile, not stable: its query then takes a snapshot of its own. Two transactions changing one user's events
    // meet at the user's row (each trigger updates it); the later one, once the earlier commits, recomputes with
    // that commit in sight, where a stable function would recompute from its statement's older snapshot and drop it.
    this.addSql(`
      create function consent_events_state_of(subject uuid) returns json language sql volatile as $$
        select json_agg(json_build_array(purpose, granted, policy_version, floor(extract(epoch from at) * 1000)) order by purpose)
        from (select distinct on (purpose) purpose, granted, policy_version, at from consent_events
              where user_id = subject order by purpose, at desc, id desc) latest
      $$;`);
    this.addSql(`
      create function consent_events_keep_state() returns trigger language plpgsql as $$
      begin
        if tg_op = 'INSERT' then
          update users u set current_consents = consent_events_state_of(u.id) where u.id in (select user_id from changed_new);
        elsif tg_op = 'DELETE' then
          update users u set current_consents = consent_events_state_of(u.id) where u.id in (select user_id from changed_old);
        else
          update users u set current_consents = consent_events_state_of(u.id)
          where u.id in (select user_id from changed_new union select user_id from changed_old);
        end if;
        return null;
      end $$;`);
    this.addSql(`create trigger consent_events_state_after_insert after insert on consent_events
      referencing new table as changed_new for each statement execute function consent_events_keep_state();`);
    this.addSql(`create trigger consent_events_state_after_delete after delete on consent_events
      referencing old table as changed_old for each statement execute function consent_events_keep_state();`);
    this.addSql(`create trigger consent_events_state_after_update after update on consent_events
      referencing old table as changed_old new table as changed_new for each statement execute function consent_events_keep_state();`);
    this.addSql('update users u set current_consents = consent_events_state_of(u.id) where exists (select 1 from consent_events c where c.user_id = u.id);');
  }

  override async down(): Promise<void> {
    this.addSql('drop trigger if exists consent_events_state_after_insert on consent_events;');
    this.addSql('drop trigger if exists consent_events_state_after_delete on consent_events;');
    this.addSql('drop trigger if exists consent_events_state_after_update on consent_events;');
    this.addSql('drop function if exists consent_events_keep_state();');
    this.addSql('drop function if exists consent_events_state_of(uuid);');
    this.addSql('alter table users drop column current_consents;');
  }
}
