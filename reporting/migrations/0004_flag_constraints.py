"""The flag rules the database holds: one open flag per report, kind and figure; known rulings."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0003_flag_rulings_and_figures"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="reportflag",
            constraint=models.UniqueConstraint(
                condition=models.Q(("ruling", "open")),
                fields=("report", "kind", "figure"),
                name="flag_one_open_per_figure",
            ),
        ),
        migrations.AddConstraint(
            model_name="reportflag",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("ruling__in", ["open", "concealed", "wrong", "dismissed", "lapsed"])
                ),
                name="flag_ruling_valid",
            ),
        ),
    ]
