"""Drop the single-column indexes that composite indexes already cover (one write less per row);
only the plain indexes, the foreign keys and other constraints stay as they are (duban.migration_ops)."""

import django.db.models.deletion
from django.db import migrations, models

from duban.migration_ops import drop_covered_indexes


class Migration(migrations.Migration):

    dependencies = [
        ('items', '0004_sequence_kind_length'),
        ('org', '0002_alter_rolegrant_role'),
    ]

    operations = [
        drop_covered_indexes(
            'items',
            [('assignment', 'item'), ('assignment', 'jurisdiction'), ('assignment', 'unit'), ('item', 'jurisdiction'), ('report', 'jurisdiction'), ('review', 'jurisdiction'), ('sequence', 'jurisdiction')],
            [
            migrations.AlterField(
                model_name='assignment',
                name='item',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='assignments', to='items.item', verbose_name='事项'),
            ),
            migrations.AlterField(
                model_name='assignment',
                name='jurisdiction',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, to='org.jurisdiction', verbose_name='辖区'),
            ),
            migrations.AlterField(
                model_name='assignment',
                name='unit',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='assignments', to='org.unit', verbose_name='单位'),
            ),
            migrations.AlterField(
                model_name='item',
                name='jurisdiction',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, to='org.jurisdiction', verbose_name='辖区'),
            ),
            migrations.AlterField(
                model_name='report',
                name='jurisdiction',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, to='org.jurisdiction'),
            ),
            migrations.AlterField(
                model_name='review',
                name='jurisdiction',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, to='org.jurisdiction'),
            ),
            migrations.AlterField(
                model_name='sequence',
                name='jurisdiction',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, to='org.jurisdiction'),
            ),
            ],
        ),
    ]
