"""The dialogue a request was started from becomes a plain id (same column, `from_dialogue_id`),
so the requests practice holds no foreign key into the dialogue practice."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("requests", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # In the database: the same column, without the foreign key constraint.
            database_operations=[
                migrations.AlterField(
                    model_name="changerequest",
                    name="from_dialogue",
                    field=models.BigIntegerField(
                        blank=True, null=True, db_column="from_dialogue_id"
                    ),
                ),
            ],
            # In the models: a plain integer field named after the column.
            state_operations=[
                migrations.RemoveField(model_name="changerequest", name="from_dialogue"),
                migrations.AddField(
                    model_name="changerequest",
                    name="from_dialogue_id",
                    field=models.BigIntegerField(blank=True, null=True),
                ),
            ],
        ),
    ]
