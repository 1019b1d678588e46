import { Migration } from '@mikro-orm/migrations';

/**
 * The database itself keeps the chain's shape: an entry is accepted only if it
 * extends the head (next sequence, predecessor's hash), and inserting it moves
 * the head. The head row cannot be changed by hand: only from that trigger, or
 * by purge_access_log() moving the retention checkpoint. A stray INSERT can no
 * longer wedge the log, and the head cannot be rewound to hide a removal.
 */
export class Migration20261129170000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create function access_log_extend_chain() returns trigger language plpgsql as $$
      declare
        head_sequence integer;
        head_hash text;
      begin
        select sequence, hash into head_sequence, head_hash from access_log_head where id = 1 for update;
        if new.sequence <> head_sequence + 1 or new.previous_hash <> head_hash then
          raise exception 'access_log entry % does not extend the chain head %', new.sequence, head_sequence
            using errcode = 'integrity_constraint_violation';
        end if;
        update access_log_head set sequence = new.sequence, hash = new.hash where id = 1;
        return new;
      end $$;`);
    this.addSql(`create trigger access_log_extend_chain before insert on access_log for each row execute function access_log_extend_chain();`);
    this.addSql(`
      create function access_log_head_guard() returns trigger language plpgsql as $$
      begin
        -- Depth 2: called from access_log_extend_chain; the retention flag: from purge_access_log().
        if tg_op = 'UPDATE' and (pg_trigger_depth() > 1 or current_setting('aimex.access_log_retention', true) = 'on') then
          return new;
        end if;
        raise exception 'access_log_head moves only with the chain (% rejected)', tg_op using errcode = 'insufficient_privilege';
      end $$;`);
    this.addSql(`create trigger access_log_head_guard before update or delete on access_log_head for each row execute function access_log_head_guard();`);
    this.addSql(`create trigger access_log_head_no_truncate before truncate on access_log_head for each statement execute function access_log_head_guard();`);
    // The checkpoint update must happen while the retention flag is on.
    this.addSql(`
      create or replace function purge_access_log(retain interval default interval '2 years') returns integer language plpgsql as $$
      declare
        last_sequence integer;
        last_hash text;
        removed integer;
      begin
        if retain < interval '2 years' then
          raise exception 'access log entries are kept at least 2 years';
        end if;
        perform 1 from access_log_head where id = 1 for update;
        select sequence, hash into last_sequence, last_hash from access_log
          where at < now() - retain order by sequence desc limit 1;
        if last_sequence is null then
          return 0;
        end if;
        perform set_config('aimex.access_log_retention', 'on', true);
        delete from access_log where sequence <= last_sequence;
        get diagnostics removed = row_count;
        update access_log_head set checkpoint_sequence = last_sequence, checkpoint_hash = last_hash where id = 1;
        perform set_config('aimex.access_log_retention', 'off', true);
        return removed;
      end $$;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop trigger if exists access_log_head_no_truncate on access_log_head;');
    this.addSql('drop trigger if exists access_log_head_guard on access_log_head;');
    this.addSql('drop function if exists access_log_head_guard();');
    this.addSql('drop trigger if exists access_log_extend_chain on access_log;');
    this.addSql('drop function if exists access_log_extend_chain();');
  }
}
