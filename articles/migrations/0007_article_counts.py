# Written by hand: PostgreSQL triggers, no model change.

from django.db import migrations

# How many articles each status holds, kept exact by PostgreSQL itself, so that the article list need not count
# every published article on each render (ArticleQuerySet.published_count). Statement triggers read the changed
# rows from transition tables: a bulk insert adds once, and an update that changes no status writes nothing.
# A session adds to one of eight slots (its backend pid modulo 8), so concurrent imports rarely wait on one row;
# a read sums the slots. Rows change in status order, so two writers lock slots in the same order.
COUNTS = """
CREATE TABLE articles_article_count (
  status varchar(10) NOT NULL,
  slot smallint NOT NULL,
  n bigint NOT NULL,
  PRIMARY KEY (status, slot)
);
CREATE FUNCTION articles_article_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM articles_article_count;
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO articles_article_count AS c (status, slot, n)
      SELECT status, mod(pg_backend_pid(), 8), count(*) FROM new_rows GROUP BY status ORDER BY status
      ON CONFLICT (status, slot) DO UPDATE SET n = c.n + EXCLUDED.n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO articles_article_count AS c (status, slot, n)
      SELECT status, mod(pg_backend_pid(), 8), -count(*) FROM old_rows GROUP BY status ORDER BY status
      ON CONFLICT (status, slot) DO UPDATE SET n = c.n + EXCLUDED.n;
  ELSE
    INSERT INTO articles_article_count AS c (status, slot, n)
      SELECT status, mod(pg_backend_pid(), 8), sum(change) FROM (
        SELECT status, 1 AS change FROM new_rows UNION ALL SELECT status, -1 FROM old_rows
      ) AS changes GROUP BY status HAVING sum(change) <> 0 ORDER BY status
      ON CONFLICT (status, slot) DO UPDATE SET n = c.n + EXCLUDED.n;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER articles_article_count_insert AFTER INSERT ON articles_article
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION articles_article_count_change();
CREATE TRIGGER articles_article_count_update AFTER UPDATE ON articles_article
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION articles_article_count_change();
CREATE TRIGGER articles_article_count_delete AFTER DELETE ON articles_article
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION articles_article_count_change();
CREATE TRIGGER articles_article_count_truncate AFTER TRUNCATE ON articles_article
  FOR EACH STATEMENT EXECUTE FUNCTION articles_article_count_change();
INSERT INTO articles_article_count (status, slot, n) SELECT status, 0, count(*) FROM articles_article GROUP BY status;
"""
DROP = """
DROP TRIGGER IF EXISTS articles_article_count_insert ON articles_article;
DROP TRIGGER IF EXISTS articles_article_count_update ON articles_article;
DROP TRIGGER IF EXISTS articles_article_count_delete ON articles_article;
DROP TRIGGER IF EXISTS articles_article_count_truncate ON articles_article;
DROP FUNCTION IF EXISTS articles_article_count_change();
DROP TABLE IF EXISTS articles_article_count;
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_api_list_indexes"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(COUNTS), _on_postgresql(DROP)),
    ]
