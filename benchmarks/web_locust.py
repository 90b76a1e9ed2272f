"""The load of benchmarks/web.py, run by locust (`locust -f benchmarks/web_locust.py`).

Not meant to be run by hand: web.py writes a plan (JSON: the session cookies of
users already logged in through the login form, and the list of requests to pick
from) and starts locust headless with a fixed number of users and a fixed run
time, so that the load stops by itself. Only 127.0.0.1 is ever a target.

Each locust user holds one logged-in session and, without think time, requests
one entry of the plan after another (from its own random offset). A response is
an error unless it is a 200 that is the page asked for: each entry of the plan
names a text the page must hold (the list's `data-total=`, a one-file page's own
credit code), and the login form is never one (a redirect is not followed, so a
lost session shows as a 302). Every request is recorded
with its start time and duration to the results file (JSON), from which web.py
computes exact percentiles per kind, leaving out the warm-up.
"""

from __future__ import annotations

import json
import os
import random
from urllib.parse import urlsplit

from locust import FastHttpUser, events, task

PLAN = json.loads(open(os.environ["ZJTX_WEB_PLAN"], encoding="utf-8").read())  # noqa: SIM115
RESULTS = os.environ["ZJTX_WEB_RESULTS"]
LOGIN_MARKER = 'name="password"'
records: list[tuple[str, float, float, bool]] = []  # (kind, start, ms, ok)
_sessions = iter(PLAN["sessions"])


@events.init.add_listener
def _only_loopback(environment, **_):
    host = urlsplit(environment.host or "").hostname
    if host != "127.0.0.1":
        raise SystemExit(f"web_locust: refusing to load {host!r}; only 127.0.0.1 is a target")


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, start_time=None, **_):
    records.append((name, start_time or 0.0, response_time, exception is None))


@events.quitting.add_listener
def _write(environment, **_):
    with open(RESULTS, "w", encoding="utf-8") as f:
        json.dump(records, f)


class Official(FastHttpUser):
    # No think time: each user sends its next request as soon as the last one is answered.
    wait_time = staticmethod(lambda: 0)
    connection_timeout = 30.0
    network_timeout = 60.0

    def on_start(self):
        self.cookie = next(_sessions)  # one logged-in session per user (web.py logs them in)
        rng = random.Random(self.cookie)
        self.requests = PLAN["requests"]
        self.i = rng.randrange(len(self.requests))

    @task
    def one_request(self):
        kind, path, marker = self.requests[self.i % len(self.requests)]
        self.i += 1
        with self.client.get(path, name=kind, headers={"Cookie": self.cookie}, allow_redirects=False,
                             catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
            else:
                text = r.text or ""
                if LOGIN_MARKER in text or marker not in text:
                    r.failure("not the page asked for (login form or another page)")
