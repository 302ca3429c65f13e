"""factory_boy factories for the programme's models; they expect the fixtures (``programme``) loaded."""

from datetime import date

import factory

from projects.choices import Opinion, ProjectKind, Role
from projects.models import Household, PlanYear, Project, Unit, User


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    plan_year = factory.LazyFunction(lambda: PlanYear.objects.get(year=2022))
    unit = factory.LazyFunction(lambda: Unit.objects.get(name="驿城区"))
    kind = ProjectKind.NEW
    name = factory.Sequence(lambda n: f"测试小区{n}")
    buildings = 4
    households = 10


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    project = factory.SubFactory(ProjectFactory)
    building = "1"
    entrance = "1"
    room = factory.Sequence(lambda n: str(101 + n))
    head_name = "王五"
    phone = "13800001234"
    plan_opinion = Opinion.AGREE
    management_opinion = Opinion.AGREE
    answered_on = date(2022, 3, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.CLERK
    unit = factory.LazyFunction(lambda: Unit.objects.get(name="驿城区"))
    password = factory.django.Password("Zmd-test-2022!")
