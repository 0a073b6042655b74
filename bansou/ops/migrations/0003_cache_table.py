"""The table of the database cache (``bansou_cache``), which holds login throttling
counters when no Redis is configured, so that every web worker counts the same attempts.

Django creates this table with ``createcachetable``, a step of its own; a migration makes
it part of ``migrate``, which every setup already runs (``make demo``, CI, the test
databases, a deployment). The table is created whether or not the cache in use is the
database one, so a site that later drops ``REDIS_URL`` finds it in place.
"""

from django.core.management import call_command
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

CACHE_TABLE = "bansou_cache"  # settings.base names the same table


def create_cache_table(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # The command skips a table that exists already (one made by hand with it).
    call_command(
        "createcachetable", CACHE_TABLE, database=schema_editor.connection.alias, verbosity=0
    )


def drop_cache_table(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0002_outbox_attachments"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, drop_cache_table, elidable=False),
    ]
