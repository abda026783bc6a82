"""Score shapes: each entry's (kind, attributes) interned as an integer key (bench/scoring, issue 4).

Adds the table and a nullable ``ScoreEntry.shape``, then fills it for the entries already there: one row
per distinct (kind, attrs) pair, and every entry pointed at its pair. 0003 makes the key required.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_shapes(apps, schema_editor):
    ScoreEntry = apps.get_model("scoring", "ScoreEntry")
    ScoreShape = apps.get_model("scoring", "ScoreShape")
    pairs = ScoreEntry.objects.values_list("kind", "attrs").distinct().order_by("kind", "attrs")
    ScoreShape.objects.bulk_create([ScoreShape(kind=k, attrs=a) for k, a in pairs], batch_size=1000,
                                   ignore_conflicts=True)
    same = ScoreShape.objects.filter(kind=OuterRef("kind"), attrs=OuterRef("attrs")).values("pk")[:1]
    ScoreEntry.objects.filter(shape__isnull=True).update(shape=Subquery(same))


class Migration(migrations.Migration):

    dependencies = [
        ('scoring', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='ScoreShape',
            fields=[
                ('id', models.AutoField(primary_key=True, serialize=False)),
                ('kind', models.CharField(max_length=48, verbose_name='事实类型')),
                ('attrs', models.TextField(default='{}', verbose_name='属性')),
            ],
            options={
                'verbose_name': '评分事实形态',
                'verbose_name_plural': '评分事实形态',
                'constraints': [models.UniqueConstraint(fields=('kind', 'attrs'), name='score_shape_once')],
            },
        ),
        migrations.AddField(
            model_name='scoreentry',
            name='shape',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name='+', to='scoring.scoreshape', verbose_name='事实形态'),
        ),
        migrations.RunPython(fill_shapes, migrations.RunPython.noop, elidable=False),
    ]
