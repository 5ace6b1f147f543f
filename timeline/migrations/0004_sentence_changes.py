# Written by hand: PostgreSQL triggers, no model change.

from django.db import migrations

# The dated mentions whose sentence counts for the timeline's word counts may have changed, logged by PostgreSQL
# itself with the id of the transaction that changed them (services._vocabulary reads it). A kept count re-reads
# only the sentences logged by transactions it may not have seen, instead of every dated sentence of the archive.
# What counts: a mention's sentence and status, the people it names, and whom each of them was merged into.
# Statement triggers read the changed rows from transition tables, so a bulk insert logs in one statement.
# A TRUNCATE logs a row without a mention: every sentence is read again.
CHANGES = """
CREATE TABLE timeline_sentence_change (
  dated_mention_id bigint,
  xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  logged_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX timeline_sentence_change_xid ON timeline_sentence_change (xid);
CREATE FUNCTION timeline_sentence_change_mention() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    INSERT INTO timeline_sentence_change (dated_mention_id) VALUES (NULL);
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO timeline_sentence_change (dated_mention_id) SELECT id FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO timeline_sentence_change (dated_mention_id) SELECT id FROM old_rows;
  ELSE
    INSERT INTO timeline_sentence_change (dated_mention_id)
      SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE n.sentence IS DISTINCT FROM o.sentence OR n.status IS DISTINCT FROM o.status;
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION timeline_sentence_change_person_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    INSERT INTO timeline_sentence_change (dated_mention_id) VALUES (NULL);
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO timeline_sentence_change (dated_mention_id) SELECT datedmention_id FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO timeline_sentence_change (dated_mention_id) SELECT datedmention_id FROM old_rows;
  ELSE
    INSERT INTO timeline_sentence_change (dated_mention_id)
      SELECT datedmention_id FROM new_rows UNION SELECT datedmention_id FROM old_rows;
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION timeline_sentence_change_merge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO timeline_sentence_change (dated_mention_id)
    SELECT link.datedmention_id FROM articles_datedmention_people link
    JOIN new_rows n ON n.id = link.person_id JOIN old_rows o ON o.id = n.id
    WHERE n.merged_into_id IS DISTINCT FROM o.merged_into_id;
  RETURN NULL;
END $$;
"""
TRIGGERS = [
    ("articles_datedmention", "timeline_sentence_change_mention"),
    ("articles_datedmention_people", "timeline_sentence_change_person_link"),
]
for table, function in TRIGGERS:
    CHANGES += f"""
CREATE TRIGGER {table}_sentence_insert AFTER INSERT ON {table}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER {table}_sentence_update AFTER UPDATE ON {table}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER {table}_sentence_delete AFTER DELETE ON {table}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER {table}_sentence_truncate AFTER TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION {function}();
"""
CHANGES += """
CREATE TRIGGER articles_person_sentence_merge AFTER UPDATE ON articles_person
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION timeline_sentence_change_merge();
"""
DROP = "".join(
    f"DROP TRIGGER IF EXISTS {table}_sentence_{op} ON {table};\n"
    for table, _ in TRIGGERS
    for op in ("insert", "update", "delete", "truncate")
)
DROP += """
DROP TRIGGER IF EXISTS articles_person_sentence_merge ON articles_person;
DROP FUNCTION IF EXISTS timeline_sentence_change_mention();
DROP FUNCTION IF EXISTS timeline_sentence_change_person_link();
DROP FUNCTION IF EXISTS timeline_sentence_change_merge();
DROP TABLE IF EXISTS timeline_sentence_change;
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_near_duplicate_lookups"),
        ("timeline", "0003_statement"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(CHANGES), _on_postgresql(DROP)),
    ]
