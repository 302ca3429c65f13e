"""The load test's users (run by ``bench.load`` as ``locust -f bench/locustfile.py --headless``).

City-office users open the city overview on a date; clerks of 驿城区 page through the project list
and edit their own project: GET the form, POST it back with the ``version`` it was opened at (the
optimistic lock), expecting the redirect of a successful save. Every user logs in first through
/accounts/login/ with its CSRF token. Reads its accounts from the JSON file named by
BENCH_LOAD_CONFIG (written by bench.load); it imports nothing of Django.
"""

import itertools
import json
import os
import random
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task

from bench.htmlforms import form_with

CONFIG: dict[str, Any] = json.loads(Path(os.environ["BENCH_LOAD_CONFIG"]).read_text())
_clerks = itertools.cycle(CONFIG["clerks"])
WAIT = tuple(float(x) for x in str(CONFIG.get("wait", "0.5,1.5")).split(","))


class PortalUser(HttpUser):
    abstract = True
    wait_time = between(*WAIT)
    username = ""

    def on_start(self) -> None:
        page = self.client.get("/accounts/login/", name="login (GET)")
        token = dict(form_with(page.text, "csrfmiddlewaretoken"))["csrfmiddlewaretoken"]
        with self.client.post(
            "/accounts/login/",
            data={
                "username": self.username,
                "password": CONFIG["password"],
                "csrfmiddlewaretoken": token,
            },
            name="login (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login refused: HTTP {response.status_code}")


class CityOffice(PortalUser):
    """The city office reading the overview on various dates of 2022."""

    fixed_count = int(CONFIG["city_users"])

    def on_start(self) -> None:
        self.username = CONFIG["city_username"]
        super().on_start()

    @task
    def overview(self) -> None:
        day = f"2022-{random.randint(1, 12):02d}-{random.randint(1, 28):02d}"  # noqa: S311
        self.client.get(f"/city/?as_of={day}", name="/city/?as_of=…")


class Clerk(PortalUser):
    """A clerk of 驿城区 listing projects and editing its own project."""

    fixed_count = int(CONFIG["clerk_users"])

    def on_start(self) -> None:
        clerk = next(_clerks)
        self.username, self.project_id = clerk["username"], clerk["project_id"]
        super().on_start()

    @task(3)
    def project_list(self) -> None:
        page = random.choice(["", "?page=2"])  # noqa: S311
        self.client.get(f"/projects/{page}", name="/projects/")

    @task(2)
    def project_edit(self) -> None:
        url = f"/projects/{self.project_id}/edit/"
        form = self.client.get(url, name="/projects/<pk>/edit/ (GET)")
        if form.status_code != 200:
            return
        fields = form_with(form.text, "version")
        with self.client.post(
            url,
            data=fields,
            name="/projects/<pk>/edit/ (POST)",
            allow_redirects=False,
            catch_response=True,
            headers={"Referer": f"{self.host}{url}"},
        ) as response:
            if response.status_code != 302:
                response.failure(f"edit not saved: HTTP {response.status_code}")
