"""Drop the single-column indexes that composite indexes already cover (one write less per row);
only the plain indexes, the foreign keys and other constraints stay as they are (duban.migration_ops)."""

import django.db.models.deletion
from django.db import migrations, models

from duban.migration_ops import drop_covered_indexes


class Migration(migrations.Migration):

    dependencies = [
        ('items', '0005_drop_covered_indexes'),
        ('ledger', '0002_initial'),
        ('org', '0002_alter_rolegrant_role'),
    ]

    operations = [
        drop_covered_indexes(
            'ledger',
            [('event', 'item'), ('event', 'jurisdiction'), ('event', 'kind')],
            [
            migrations.AlterField(
                model_name='event',
                name='item',
                field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='items.item', verbose_name='事项'),
            ),
            migrations.AlterField(
                model_name='event',
                name='jurisdiction',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, to='org.jurisdiction', verbose_name='辖区'),
            ),
            migrations.AlterField(
                model_name='event',
                name='kind',
                field=models.CharField(max_length=48, verbose_name='事件类型'),
            ),
            ],
        ),
    ]
