import { Migration } from '@mikro-orm/migrations';

/**
 * The chain check of the access log runs once per statement instead of once per row. The row trigger moved
 * the head for every entry, so one request's 100 entries made 100 versions of the head row in one
 * transaction, each later lookup walking them (18 ms for a page of 100 users, 2 ms for one entry).
 *
 * Now a cheap row trigger refuses at once an entry at or below the head (a purged or re-used sequence), and
 * a statement trigger, seeing every row the statement added, locks the head, checks that they continue it
 * (next sequences, each linked to its predecessor's hash, the first to the head's) and moves the head once.
 */
export class Migration20261206100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql('drop trigger if exists access_log_extend_chain on access_log;');
    this.addSql('drop function if exists access_log_extend_chain();');
    this.addSql(`
      create function access_log_above_head() returns trigger language plpgsql as $$
      declare
        head_sequence bigint;
      begin
        select sequence into head_sequence from access_log_head where id = 1;
        if new.sequence <= head_sequence then
          raise exception 'access_log entry % does not extend the chain head %', new.sequence, head_sequence
            using errcode = 'integrity_constraint_violation';
        end if;
        return new;
      end $$;`);
    this.addSql('create trigger access_log_above_head before insert on access_log for each row execute function access_log_above_head();');
    this.addSql(`
      create function access_log_extend_chain() returns trigger language plpgsql as $$
      declare
        head_sequence bigint;
        head_hash text;
        broken bigint;
        last_sequence bigint;
        last_hash text;
      begin
        select sequence, hash into head_sequence, head_hash from access_log_head where id = 1 for update;
        select min(sequence) into broken from (
          select sequence, previous_hash,
                 row_number() over (order by sequence) as position,
                 lag(hash) over (order by sequence) as predecessor_hash
          from appended
        ) batch
        where sequence <> head_sequence + position or previous_hash <> coalesce(predecessor_hash, head_hash);
        if broken is not null then
          raise exception 'access_log entry % does not extend the chain head %', broken, head_sequence
            using errcode = 'integrity_constraint_violation';
        end if;
        select sequence, hash into last_sequence, last_hash from appended order by sequence desc limit 1;
        if last_sequence is not null then
          update access_log_head set sequence = last_sequence, hash = last_hash where id = 1;
        end if;
        return null;
      end $$;`);
    this.addSql(`create trigger access_log_extend_chain after insert on access_log referencing new table as appended
      for each statement execute function access_log_extend_chain();`);
  }

  override async down(): Promise<void> {
    this.addSql('drop trigger if exists access_log_extend_chain on access_log;');
    this.addSql('drop function if exists access_log_extend_chain();');
    this.addSql('drop trigger if exists access_log_above_head on access_log;');
    this.addSql('drop function if exists access_log_above_head();');
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
    this.addSql('create trigger access_log_extend_chain before insert on access_log for each row execute function access_log_extend_chain();');
  }
}
