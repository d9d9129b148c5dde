"""Intake through the JSON API, and what the rate limits cost it.

Partners' systems post requests in bursts; each is recorded, decided and ledgered before
the answer. In one process on SQLite (the demo's database), through Django's test client
(the application and its database, no network):

- Counting: requests a second when every call is counted against the per-token and
  per-address limits in their shared database table, against a baseline measured in the
  same run with the counting taken out. The ratio is the
  share of the baseline's speed the limits keep.
- A flood: one partner sends three times its limit in a burst; the limit's worth are
  recorded, the rest answered 429 with Retry-After, and how fast those refusals go.

`python -m bench.intake` (or `make bench`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
REQUESTS = 200
REPEATS = 3
FLOOD_LIMIT = 100


def _setup(home: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "custodiet.settings",
            "DATABASE_URL": f"sqlite:///{home / 'bench.sqlite3'}",
            "CUSTODIET_HOME": str(home),
            "CUSTODIET_INSECURE_DEV_KEY": "true",
            "CUSTODIET_SECURE": "false",
            "CUSTODIET_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "CUSTODIET_ALLOWED_HOSTS": "testserver",
            "CUSTODIET_STATIC_ROOT": str(home),
        }
    )
    import logging

    import django

    django.setup()
    # Each 429 would be logged as a warning; the flood is on purpose.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, skip_checks=True)


def _bodies(count: int, offset: int) -> list[bytes]:
    from custodiet.samples import generate

    bodies = []
    for request in generate(count, seed=offset):
        request.pop("id", None)
        bodies.append(json.dumps(request).encode())
    return bodies


def measure() -> None:
    from django.contrib.auth.models import User
    from django.test import Client, override_settings

    from custodiet.accounts.models import Agency, ApiToken, Membership, Role
    from custodiet.accounts.rates import Rate

    agency = Agency.objects.create(code="CO-DOR-DMV", name="Colorado Division of Motor Vehicles")
    supervisor = User.objects.create_user("supervisor", email="supervisor@dmv.example")
    Membership.objects.create(user=supervisor, agency=agency, role=Role.SUPERVISOR)
    partner = User.objects.create_user("partner")
    Membership.objects.create(user=partner, agency=agency, role=Role.PARTNER)
    token = ApiToken.issue(partner, "bench")[1]
    client = Client(headers={"Authorization": f"Bearer {token}"})
    plenty = Rate(10**9, 60)
    offsets = iter(range(1, 1000))

    def post_all(bodies: list[bytes]) -> tuple[float, list[int]]:
        started = time.perf_counter()
        codes = [
            client.post("/api/v1/requests", body, content_type="application/json").status_code
            for body in bodies
        ]
        return time.perf_counter() - started, codes

    def run(counted: bool) -> float:
        bodies = _bodies(REQUESTS, next(offsets))
        with override_settings(CUSTODIET_API_RATE=plenty, CUSTODIET_API_ADDRESS_RATE=plenty):
            if counted:
                seconds, codes = post_all(bodies)
            else:
                # The baseline: the same calls with the counting itself taken out.
                with mock.patch("custodiet.accounts.ratelimit.hit", return_value=None):
                    seconds, codes = post_all(bodies)
        assert set(codes) == {201}, set(codes)
        return REQUESTS / seconds

    alone = counted = 0.0
    for _ in range(REPEATS):
        alone = max(alone, run(False))
        counted = max(counted, run(True))
    print(
        f"  sqlite   API intake, each call counted  {counted:8,.0f} requests/s"
        f"   (uncounted {alone:,.0f}/s, ratio {counted / alone:.2f})"
    )

    # A token of its own: the runs above were counted against the first one.
    flooder = Client(headers={"Authorization": f"Bearer {ApiToken.issue(partner, 'flood')[1]}"})
    flood = _bodies(3 * FLOOD_LIMIT, next(offsets))
    with override_settings(
        CUSTODIET_API_RATE=Rate(FLOOD_LIMIT, 3600), CUSTODIET_API_ADDRESS_RATE=plenty
    ):
        answers, refusing = [], 0.0
        for body in flood:
            started = time.perf_counter()
            answer = flooder.post("/api/v1/requests", body, content_type="application/json")
            if answer.status_code == 429:
                refusing += time.perf_counter() - started
            answers.append(answer)
    recorded = sum(answer.status_code == 201 for answer in answers)
    refused = [answer for answer in answers if answer.status_code == 429]
    assert recorded == FLOOD_LIMIT and len(refused) == 2 * FLOOD_LIMIT, (recorded, len(refused))
    assert all(int(answer["Retry-After"]) >= 1 for answer in refused)
    refusal_rate = len(refused) / refusing
    print(
        f"  sqlite   a flood of {len(flood)} at a limit of {FLOOD_LIMIT}/hour: "
        f"{recorded} recorded, {len(refused)} answered 429 with Retry-After "
        f"(about {refusal_rate:,.0f} refusals/s, {refusal_rate / counted:.0f}x the intake rate)"
    )


def main() -> None:
    print(
        f"API intake under the rate limits: {REQUESTS} requests posted one after another, best of 3"
    )
    sys.stdout.flush()
    subprocess.run([sys.executable, "-m", "bench.intake", "--measure"], cwd=ROOT, check=True)


if __name__ == "__main__":
    if "--measure" in sys.argv:
        with tempfile.TemporaryDirectory() as folder:
            _setup(Path(folder))
            measure()
    else:
        main()
