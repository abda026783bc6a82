"""Every entry has its shape (0002 filled the existing ones; new ones get it on write). A migration of
its own: on PostgreSQL the fill's deferred foreign-key checks must be done before the column is altered."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('scoring', '0002_scoreshape'),
    ]

    operations = [
        migrations.AlterField(
            model_name='scoreentry',
            name='shape',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+',
                                    to='scoring.scoreshape', verbose_name='事实形态'),
        ),
    ]
