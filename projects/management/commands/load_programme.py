"""python manage.py load_programme: load the units, the 2022 plan year and its targets once.

On a database that already holds the plan year nothing is loaded, so targets the city office has
since entered in the browser are never overwritten by the fixtures.
"""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from projects.models import PlanYear

FIXTURES = ("fixtures/units.json", "fixtures/plan_year_2022.json", "fixtures/targets_2022.json")


class Command(BaseCommand):
    help = "首次加载区县、2022年度计划和目标（已加载则不覆盖）"

    def handle(self, *args: Any, **options: Any) -> None:
        if PlanYear.objects.filter(year=2022).exists():
            self.stdout.write("2022年度计划已存在，不重复加载（不覆盖在网页中修改过的目标）")
            return
        call_command("loaddata", *FIXTURES, verbosity=options["verbosity"])
        self.stdout.write(self.style.SUCCESS("已加载区县、2022年度计划和目标"))
