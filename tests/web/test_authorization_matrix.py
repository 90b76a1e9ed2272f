"""The authorization matrix: every URL of the site, as every role and as an
anonymous visitor, including the other jurisdiction's and the other recipients'
objects by id. A refusal is a 403 or a 404 (for an object opened by id, always a
404, so that an id says nothing), never the page; an anonymous visitor is sent to
the login page. An allowed page must not show what is outside the viewer's scope:
its body (html, csv, xlsx opened with openpyxl, the statement PDF's source) is
searched for the names of the enterprises and recipients the role must not see.

The URLs are read from the resolver (admin/ and static/ left out), so a page
added later is visited automatically; a URL without a rule in RULES below, or
with a parameter the rule does not fill, fails `test_every_url_has_a_rule` (and
the matrix) until it is given one: that is on purpose.

Outcomes, decided here:
- allowed: 200, or for a redirecting URL (`fulfilment:apply`) a 302 to a page of
  this site;
- refused: 403 or 404; for an object opened by id, 404 only;
- a POST-only endpoint opened with GET answers 405 to every signed-in role (a
  refusal: nothing is shown and nothing happens), and sends an anonymous visitor
  to the login page like every other non-public URL;
- public URLs (login, password reset) answer everybody the same.

POST endpoints are forged in `FORGERIES`: a wrong role, or another jurisdiction's
object id, must be refused and change nothing (a snapshot of claims, steps,
payments, revisions, applications, imports, notifications and the audit trail is
compared before and after); the rightful role's POST, inside a rolled-back
savepoint, must do what it says. CSRF is enforced on representative forms.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO

import pytest
from django.db import transaction
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern
from openpyxl import load_workbook

from tests.web.matrix_world import (
    BANK,
    INVESTOR_NAME,
    JX_NAMES,
    OPERATOR_NAME,
    OTHER_INVESTOR_NAME,
    ROLES,
    XA_NAMES,
    World,
    build_world,
    recognition_list,
)
from zjtx.applications.models import Application, Attachment
from zjtx.fulfilment import statement_views
from zjtx.fulfilment.models import (
    AuditEvent,
    Claim,
    ClaimStep,
    Entitlement,
    Notification,
    Payment,
    Revision,
)
from zjtx.policy_admin.models import PolicyChange
from zjtx.policy_admin.views import previewed
from zjtx.registry.models import ImportLog, Investment, ListingMilestone, Recognition

LOGIN = "/accounts/login/"
SKIPPED_PREFIXES = ("admin/", "static/")
KNOWN_CONVERTERS = {"int", "str", "slug"}

# --- who --------------------------------------------------------------------------

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
NOBODY: frozenset[str] = frozenset()
CITY = frozenset({"city_admin", "jinrong", "finance_city"})  # the city's offices see the whole registry
XA_OFFICIALS = frozenset({"county_410323", "finance_410323", "commissioner_410323"})
JX_OFFICIALS = frozenset({"district_410305", "finance_410305"})
RECIPIENTS = frozenset({"ent_xa", "ent_jx", "investor", "operator"})
FINANCE = frozenset({"finance_city", "finance_410323", "finance_410305"})


def roles(*groups) -> frozenset[str]:
    out: set[str] = set()
    for g in groups:
        out |= {g} if isinstance(g, str) else set(g)
    return frozenset(out)


# --- what each role must never see, by name ---------------------------------------

ALL_NAMES = frozenset(XA_NAMES + JX_NAMES + (INVESTOR_NAME, OTHER_INVESTOR_NAME, OPERATOR_NAME))
XA_SIDE, JX_SIDE = frozenset(XA_NAMES), frozenset(JX_NAMES)
FORBIDDEN: dict[str, frozenset[str]] = {
    "anonymous": ALL_NAMES,
    "no_role": ALL_NAMES,
    "city_admin": NOBODY, "jinrong": NOBODY, "finance_city": NOBODY,
    # 新安 sees only 新安; the investor's and the operator's claims are 涧西's to review
    **dict.fromkeys(XA_OFFICIALS, ALL_NAMES - XA_SIDE),
    # 涧西 sees 涧西, with the investors in a 涧西 enterprise and the 涧西 operator
    **dict.fromkeys(JX_OFFICIALS, XA_SIDE),
    "ent_xa": ALL_NAMES - {XA_NAMES[0]},
    "ent_jx": ALL_NAMES - {JX_NAMES[0], INVESTOR_NAME, OTHER_INVESTOR_NAME},  # its own shareholders
    # the investor sees its investee and the enterprise its application names
    "investor": ALL_NAMES - {INVESTOR_NAME, JX_NAMES[0], JX_NAMES[1]},
    "operator": ALL_NAMES - {OPERATOR_NAME},
}
# Pages narrower than the role's registry scope: 金融局 answers for Art. 5 and 6 only.
ALSO_FORBIDDEN: dict[tuple[str, str], frozenset[str]] = {
    ("fulfilment:ledger", "jinrong"): XA_SIDE | JX_SIDE,  # no Art. 5/6 payment yet
    ("fulfilment:claim-list", "jinrong"): XA_SIDE | (JX_SIDE - {JX_NAMES[0]}) | {OPERATOR_NAME},
    ("applications:list", "jinrong"): frozenset({OPERATOR_NAME}),  # Art. 17 is 工信局's
}
# Shown on purpose, though outside the role's scope elsewhere (none at present: an
# investor's view of an investee's one-file page shows its own stake only).
ALSO_ALLOWED: dict[tuple[str, str], frozenset[str]] = {}


# --- the rules --------------------------------------------------------------------

@dataclass(frozen=True)
class Sample:
    """One concrete visit of a URL: its parameters, a query string, who may see it,
    and the names the object would show (which a refusal must not)."""
    label: str
    kwargs: dict
    allowed: frozenset[str]
    query: str = ""
    secret: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    samples: Callable[[World], list[Sample]]
    kind: str = "page"  # page | redirect | post_only
    public: bool = False  # served to anonymous visitors (login_not_required)
    # An object opened by id is refused with a 404, so that the id says nothing about
    # another jurisdiction's or recipient's objects. A page only one role ever sees
    # (the city admin's imports) may answer 403 to everyone else, ids or not.
    role_gated: bool = False


def page(allowed: frozenset[str], *queries: str, public: bool = False, kind: str = "page") -> Rule:
    return Rule(lambda w: [Sample(q or "", {}, allowed, q) for q in (queries or ("",))], kind=kind, public=public)


def post_only(samples: Callable[[World], list[Sample]] | None = None, public: bool = False) -> Rule:
    return Rule(samples or (lambda w: [Sample("", {}, NOBODY)]), kind="post_only", public=public)


def claim_samples(w: World) -> list[Sample]:
    def s(key, allowed):
        return Sample(f"claim {key}", {"pk": w.claims[key].pk}, allowed, secret=(w.claims[key].entitlement.payee.name,))
    return [
        s("xa", roles("city_admin", "finance_city", XA_OFFICIALS, "ent_xa")),  # commissioners read, take no step
        s("jx", roles("city_admin", "finance_city", JX_OFFICIALS, "ent_jx")),
        s("investor", roles("city_admin", "finance_city", "jinrong", JX_OFFICIALS, "investor")),
        s("other_investor", roles("city_admin", "finance_city", "jinrong", JX_OFFICIALS)),
        s("operator", roles("city_admin", "finance_city", JX_OFFICIALS, "operator")),
    ]


def enterprise_samples(w: World) -> list[Sample]:
    xa, jx = w.enterprises["xa"], w.enterprises["jx"]
    return [Sample("enterprise xa", {"pk": xa.pk}, roles(CITY, XA_OFFICIALS, "ent_xa"), secret=(xa.name,)),
            Sample("enterprise jx", {"pk": jx.pk}, roles(CITY, JX_OFFICIALS, "ent_jx", "investor"), secret=(jx.name,)),
            Sample("no such enterprise", {"pk": 987654}, NOBODY)]


def history_samples(w: World) -> list[Sample]:
    """The one-file page's change history: an investor opens its investee's page, not its history."""
    xa, jx = w.enterprises["xa"], w.enterprises["jx"]
    return [Sample("history xa", {"pk": xa.pk}, roles(CITY, XA_OFFICIALS, "ent_xa"), secret=(xa.name,)),
            Sample("history jx", {"pk": jx.pk}, roles(CITY, JX_OFFICIALS, "ent_jx"), secret=(jx.name,)),
            Sample("no such enterprise", {"pk": 987654}, NOBODY)]


def statement_samples(w: World) -> list[Sample]:
    xa, jx = w.enterprises["xa"], w.enterprises["jx"]
    out = []
    for query in ("", "?format=pdf"):
        out += [
            Sample(f"statement xa{query}", {"kind": "enterprise", "pk": xa.pk}, roles(CITY, XA_OFFICIALS, "ent_xa"),
                   query, (xa.name,)),
            # an investor is not an official: its investee's statement is not its business
            Sample(f"statement jx{query}", {"kind": "enterprise", "pk": jx.pk}, roles(CITY, JX_OFFICIALS, "ent_jx"),
                   query, (jx.name,)),
            Sample(f"statement investor{query}", {"kind": "investor", "pk": w.investor.pk}, roles(CITY, "investor"),
                   query, (INVESTOR_NAME,)),
            Sample(f"statement other investor{query}", {"kind": "investor", "pk": w.other_investor.pk}, CITY,
                   query, (OTHER_INVESTOR_NAME,)),
            Sample(f"statement operator{query}", {"kind": "operator", "pk": w.operator.pk}, roles(CITY, "operator"),
                   query, (OPERATOR_NAME,)),
        ]
    out.append(Sample("statement of an unknown kind", {"kind": "claim", "pk": xa.pk}, NOBODY))
    return out


APPLICATION_READERS = {
    "xa": roles("city_admin", "jinrong", "ent_xa"),  # Art. 5: 金融局 leads
    "jx": roles("city_admin", "jinrong", "ent_jx"),
    "investor": roles("city_admin", "jinrong", "investor"),  # Art. 6: 金融局 leads
    "operator": roles("city_admin", "operator"),  # Art. 17: 工信局 leads
}


def application_samples(w: World) -> list[Sample]:
    return [Sample(f"application {k}", {"pk": w.applications[k].pk}, allowed, secret=(w.applications[k].party.name,))
            for k, allowed in APPLICATION_READERS.items()]


def attachment_samples(w: World) -> list[Sample]:
    return [Sample(f"attachment {k}", {"pk": w.attachments[k].pk}, allowed)
            for k, allowed in APPLICATION_READERS.items()]


def city_admin_only(samples: Callable[[World], list[Sample]], kind: str = "page") -> Rule:
    return Rule(samples, kind=kind, role_gated=True)


def import_log_samples(w: World) -> list[Sample]:
    return [Sample(f"import {k}", {"pk": log.pk}, roles("city_admin")) for k, log in w.import_logs.items()]


def job_samples(w: World) -> list[Sample]:
    """A background job's progress is its requester's alone (another city admin's too)."""
    return [Sample(f"job {k}", {"pk": job.pk}, roles("city_admin")) for k, job in w.jobs.items()] + [
        Sample("no such job", {"pk": 987654}, NOBODY)]


def import_kind_samples(w: World) -> list[Sample]:
    return [Sample("recognitions", {"kind": "recognitions"}, roles("city_admin")),
            Sample("enterprises", {"kind": "enterprises"}, roles("city_admin")),
            Sample("unknown kind", {"kind": "claims"}, NOBODY)]


RULES: dict[str, Rule] = {
    "workbench": page(SIGNED_IN),  # also named "home"
    "policy-index": page(SIGNED_IN),
    "policy-article": Rule(lambda w: [Sample("第1条", {"number": 1}, SIGNED_IN),
                                      Sample("第99条", {"number": 99}, NOBODY)]),
    "policy-change": page(roles("city_admin"), "?kind=parameter&key=art1_provincial_zjtx"),
    "policy-changes": page(roles("city_admin")),
    # django.contrib.auth
    "login": page(EVERYONE, public=True),
    "logout": post_only(),
    "password_change": page(SIGNED_IN),
    "password_change_done": page(SIGNED_IN),
    "password_reset": page(EVERYONE, public=True),
    "password_reset_done": page(EVERYONE, public=True),
    "password_reset_confirm": Rule(lambda w: [Sample("a bad link", {"uidb64": "MQ", "token": "bad-token"}, EVERYONE)],
                                   public=True),
    "password_reset_complete": page(EVERYONE, public=True),
    "favicon": page(EVERYONE, public=True, kind="redirect"),
    # registry: imports are the city admin's, enterprises by scope
    "registry:import-home": page(roles("city_admin")),
    "registry:import-upload": post_only(),
    "registry:import-detail": city_admin_only(import_log_samples),
    "registry:import-progress": city_admin_only(import_log_samples),
    "registry:import-confirm": post_only(import_log_samples),
    "registry:import-errors": city_admin_only(import_log_samples),
    "registry:import-template": city_admin_only(import_kind_samples),
    "registry:import-export": city_admin_only(import_kind_samples),
    "registry:enterprise-list": page(SIGNED_IN),
    "registry:enterprise-detail": Rule(enterprise_samples),
    "registry:enterprise-history": Rule(history_samples),
    # fulfilment
    "fulfilment:statement-own": page(RECIPIENTS, "", "?format=pdf"),
    "fulfilment:statement-of": Rule(statement_samples),
    "fulfilment:claim-list": page(SIGNED_IN),
    "fulfilment:claim-detail": Rule(claim_samples),
    "fulfilment:claim-confirm": post_only(claim_samples),
    "fulfilment:claim-review": post_only(claim_samples),
    "fulfilment:claim-pay": post_only(claim_samples),
    "fulfilment:claim-reverse": post_only(claim_samples),
    "fulfilment:claim-resolve": post_only(claim_samples),
    "fulfilment:ledger": page(roles("city_admin", "jinrong", FINANCE), "", "?format=xlsx"),
    "fulfilment:audit": page(roles("city_admin")),
    "fulfilment:notifications": page(SIGNED_IN),
    "fulfilment:scan": page(roles("city_admin")),
    "jobs:progress": Rule(job_samples),
    "fulfilment:apply": page(SIGNED_IN, kind="redirect"),  # to applications:new, which decides
    # applications
    "applications:list": page(roles("city_admin", "jinrong", RECIPIENTS)),
    "applications:new": page(RECIPIENTS),
    "applications:detail": Rule(application_samples),
    "applications:decide": post_only(application_samples),
    "applications:attachment": Rule(attachment_samples),
}


# --- the URLs, from the resolver --------------------------------------------------

PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass
class Endpoint:
    route: str
    names: list[str]
    params: dict[str, str]  # name -> converter
    problem: str = ""

    @property
    def name(self) -> str:
        return self.names[0] if self.names else self.route

    def path(self, kwargs: dict) -> str:
        return "/" + PARAM.sub(lambda m: str(kwargs[m["name"]]), self.route)


def endpoints(urlconf=None) -> list[Endpoint]:
    found: dict[str, Endpoint] = {}

    def walk(patterns, prefix: str, namespace: str):
        for p in patterns:
            route = prefix + str(p.pattern)
            if route.startswith(SKIPPED_PREFIXES):
                continue
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, route, ns)
                continue
            assert isinstance(p, URLPattern)
            name = f"{namespace}{p.name}" if p.name else ""
            problem = ""
            if not isinstance(p.pattern, RoutePattern):
                problem = f"a regex pattern ({p.pattern}): give it a path() route and a rule"
            params = {m["name"]: (m["converter"] or "str") for m in PARAM.finditer(route)}
            unknown = {n: c for n, c in params.items() if c not in KNOWN_CONVERTERS}
            if unknown:
                problem = f"parameters of an unknown type {unknown}: add the converter and a rule"
            ep = found.setdefault(route, Endpoint(route, [], params, problem))
            if name:
                ep.names.append(name)
    walk(get_resolver(urlconf).url_patterns, "", "")
    return list(found.values())


def rule_for(ep: Endpoint) -> Rule | None:
    return next((RULES[n] for n in ep.names if n in RULES), None)


def coverage_problems(w: World | None = None, urlconf=None) -> list[str]:
    problems = []
    for ep in endpoints(urlconf):
        rule = rule_for(ep)
        if ep.problem:
            problems.append(f"/{ep.route} ({ep.name}): {ep.problem}")
        elif rule is None:
            problems.append(f"/{ep.route} ({ep.name}): no rule in RULES — say who may see it "
                            f"(and how to fill {sorted(ep.params)})" if ep.params else
                            f"/{ep.route} ({ep.name}): no rule in RULES — say who may see it")
        elif w is not None:
            for s in rule.samples(w):
                if set(s.kwargs) != set(ep.params):
                    problems.append(f"/{ep.route} ({ep.name}): sample {s.label!r} fills {sorted(s.kwargs)}, "
                                    f"the route takes {sorted(ep.params)}")
    return problems


# --- the world, once per module ---------------------------------------------------

@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once in an outer transaction, rolled back after the module (each test
    runs in a savepoint inside it, as pytest-django does)."""
    root = tmp_path_factory.mktemp("matrix")
    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=root / "media", ZJTX_IMPORT_ROOT=root / "imports",
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        ZJTX_AUTO_SCAN=False,  # the world asks for its scans
    ), django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def w(matrix_world, db, monkeypatch):
    # the statement's PDF is checked in the HTML it is printed from (WeasyPrint's
    # rendering is the statement tests' business, not who may see it)
    monkeypatch.setattr(statement_views, "render_pdf",
                        lambda template, context: render_to_string(template, context).encode())
    return matrix_world


def client_as(w: World, role: str, **kwargs) -> Client:
    c = Client(**kwargs)
    if role != "anonymous":
        c.force_login(w.user(role))
    return c


# --- reading a response -----------------------------------------------------------

def body_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    ctype = response.get("Content-Type", "")
    if "spreadsheetml" in ctype:
        wb = load_workbook(BytesIO(content), read_only=True)
        return "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                         for v in row if v is not None)
    return content.decode("utf-8", errors="replace")


def same_site(location: str) -> bool:
    return location.startswith("/") and not location.startswith("//")


@dataclass
class Visit:
    role: str
    url_name: str
    sample: Sample
    path: str
    failures: list[str] = field(default_factory=list)

    def fail(self, message: str):
        self.failures.append(f"{self.role:<20} GET {self.path:<55} [{self.url_name} · {self.sample.label}] {message}")


def check_visit(v: Visit, rule: Rule, response, body: str) -> None:
    status = response.status_code
    allowed = v.role in v.sample.allowed
    by_id = bool(v.sample.kwargs) and not rule.role_gated
    if v.role == "anonymous" and not rule.public:
        if status != 302 or not response["Location"].startswith(LOGIN):
            v.fail(f"anonymous: expected 302 to {LOGIN}, got {status} {response.get('Location', '')}")
        return
    if rule.kind == "post_only":
        if status != 405:
            v.fail(f"GET on a POST-only endpoint: expected 405, got {status}")
    elif allowed and rule.kind == "redirect":
        if status != 302 or not same_site(response["Location"]):
            v.fail(f"allowed: expected a 302 within the site, got {status} {response.get('Location', '')}")
    elif allowed:
        if status != 200:
            v.fail(f"allowed: expected 200, got {status}")
    elif by_id:
        if status != 404:
            v.fail(f"refused by id: expected 404 (an id says nothing), got {status}")
    elif status not in (403, 404):
        v.fail(f"refused: expected 403 or 404, got {status}")
    key = (v.url_name, v.role)
    forbidden = (FORBIDDEN[v.role] | ALSO_FORBIDDEN.get(key, NOBODY)) - ALSO_ALLOWED.get(key, NOBODY)
    leaked = sorted(n for n in forbidden if n in body)
    if not allowed:
        leaked += [n for n in v.sample.secret if n in body and n not in leaked]
    if leaked:
        v.fail(f"LEAK ({status}): shows {', '.join(leaked)}")


# --- the tests --------------------------------------------------------------------

def test_every_url_has_a_rule(w):
    problems = coverage_problems(w)
    assert not problems, "URLs without an explicit authorization rule:\n" + "\n".join(problems)
    visited = {n for ep in endpoints() for n in ep.names}
    assert {"registry:enterprise-detail", "fulfilment:claim-detail", "fulfilment:statement-of",
            "applications:attachment", "fulfilment:ledger"} <= visited


class _Year:
    regex = "[0-9]{4}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


def test_a_new_url_without_a_rule_fails_loudly():
    """A page added later, with a parameter of a type the matrix does not know, or
    without parameters but without a rule, is reported; nothing is skipped."""
    from types import ModuleType

    from django.urls import include, path, register_converter

    register_converter(_Year, "matrix_year")
    urlconf = ModuleType("matrix_extra_urls")
    urlconf.urlpatterns = [
        path("", include("zjtx.urls")),
        path("reports/<matrix_year:year>/", lambda request, year: None, name="report-year"),
        path("reports/new/", lambda request: None, name="report-new"),
    ]
    problems = "\n".join(coverage_problems(urlconf=urlconf))
    assert "/reports/<matrix_year:year>/ (report-year): parameters of an unknown type" in problems
    assert "/reports/new/ (report-new): no rule in RULES" in problems
    assert "enterprise-detail" not in problems  # the real pages all have their rule


def _visits(w: World):
    for ep in endpoints():
        rule = rule_for(ep)
        if rule is None or ep.problem:
            continue
        for s in rule.samples(w):
            yield ep, rule, s


@pytest.mark.parametrize("role", ROLES)
def test_matrix(w, role):
    problems = coverage_problems(w)
    assert not problems, "\n".join(problems)
    client = client_as(w, role)
    failures: list[str] = []
    visits = 0
    for ep, rule, sample in _visits(w):
        v = Visit(role, ep.name, sample, ep.path(sample.kwargs) + sample.query)
        try:
            response = client.get(v.path)
            body = body_text(response)
        except Exception as e:  # noqa: BLE001 - a crash is a finding of the matrix, not its end
            v.fail(f"raised {type(e).__name__}: {e}")
        else:
            check_visit(v, rule, response, body)
        failures += v.failures
        visits += 1
    assert visits > 50
    assert not failures, f"{len(failures)} of {visits} visits as {role} went wrong:\n" + "\n".join(failures)


def test_the_matrix_size(w):
    """For the report: roles × concrete URLs."""
    n = sum(1 for _ in _visits(w))
    print(f"authorization matrix: {len(ROLES)} roles × {n} URLs = {len(ROLES) * n} visits")
    assert n > 50


# --- exports hold only the viewer's rows -------------------------------------------

LEDGER_LINES = {  # role → the payment references its ledger (and its xlsx) holds
    "city_admin": {"XA-MATRIX-1", "SZ-MATRIX-1", "JX-MATRIX-1"},
    "finance_city": {"XA-MATRIX-1", "SZ-MATRIX-1", "JX-MATRIX-1"},
    "finance_410323": {"XA-MATRIX-1"},
    "finance_410305": {"JX-MATRIX-1"},
    "jinrong": set(),
}


@pytest.mark.parametrize("role", sorted(LEDGER_LINES))
def test_the_ledger_xlsx_holds_only_the_viewers_lines(w, role):
    response = client_as(w, role).get("/fulfilment/ledger/?format=xlsx")
    assert response.status_code == 200
    ws = load_workbook(BytesIO(response.content), read_only=True).worksheets[0]
    rows = [r for r in ws.iter_rows(values_only=True)]
    lines, total = rows[1:-1], rows[-1]
    references = {cell for row in lines for cell in row if isinstance(cell, str) and "-MATRIX-" in cell}
    assert references == LEDGER_LINES[role]
    assert len(lines) == len(LEDGER_LINES[role]) and str(total[0]).startswith("合计")
    text = "\n".join(str(c) for row in rows for c in row if c is not None)
    assert not [n for n in FORBIDDEN[role] if n in text]


def test_the_name_checks_have_teeth(w):
    """The names the matrix looks for are on the pages that may show them."""
    county = client_as(w, "county_410323")
    listing = county.get("/registry/enterprises/").content.decode()
    assert all(n in listing for n in XA_NAMES) and not any(n in listing for n in JX_NAMES)
    city = client_as(w, "city_admin").get("/registry/enterprises/").content.decode()
    assert all(n in city for n in XA_NAMES + JX_NAMES)
    statement = client_as(w, "ent_xa").get("/fulfilment/statement/").content.decode()
    assert XA_NAMES[0] in statement and not any(n in statement for n in XA_NAMES[1:] + JX_NAMES)
    # the investee's page shows the co-investor to the offices, not to an investor
    page = f"/registry/enterprises/{w.enterprises['jx'].pk}/"
    assert OTHER_INVESTOR_NAME in client_as(w, "city_admin").get(page).content.decode()
    investee = client_as(w, "investor").get(page).content.decode()
    assert INVESTOR_NAME in investee and OTHER_INVESTOR_NAME not in investee and 'id="history"' not in investee


# --- forged POSTs -----------------------------------------------------------------

def snapshot() -> dict:
    """Everything a POST of this site can change."""
    return {
        "claims": sorted(Claim.objects.values_list("pk", "state", "flagged", "bank_account", "willing")),
        "steps": ClaimStep.objects.count(),
        "payments": sorted(Payment.objects.values_list("pk", "kind", "part", "amount")),
        "revisions": sorted(Revision.objects.values_list("pk", "resolved_at")),
        "entitlements": sorted(Entitlement.objects.values_list("pk", "amount")),
        "applications": sorted(Application.objects.values_list("pk", "state")),
        "attachments": Attachment.objects.count(),
        "notifications": sorted(Notification.objects.values_list("pk", "read_at")),
        "audit": AuditEvent.objects.count(),
        "policy": PolicyChange.objects.count(),
        "imports": sorted(ImportLog.objects.values_list("pk", "status")),
        "registry": (Recognition.objects.count(), ListingMilestone.objects.count(), Investment.objects.count()),
    }


def changes(before: dict, after: dict) -> list[str]:
    return [k for k in before if before[k] != after[k]]


@dataclass(frozen=True)
class Forgery:
    label: str
    url: Callable[[World], str]
    data: Callable[[World], dict]
    allowed: frozenset[str]  # these POSTs succeed (a redirect) and change something
    ignored: frozenset[str] = NOBODY  # these are answered with a redirect and change nothing
    skip: frozenset[str] = NOBODY  # roles this forgery does not apply to (said why beside it)


def claim_url(key: str, action: str) -> Callable[[World], str]:
    return lambda w: f"/fulfilment/claims/{w.claims[key].pk}/{action}/"


PAID_ON = "2024-03-01"
FORGERIES = [
    Forgery("confirm the investor's claim", claim_url("investor", "confirm"),
            lambda w: {**BANK, "account_name": INVESTOR_NAME}, roles("investor")),
    Forgery("县区初审 of a 新安 claim", claim_url("xa_review", "review"),
            lambda w: {"decision": "approve"}, roles("county_410323")),
    Forgery("县区初审 of a 涧西 claim", claim_url("jx_review", "review"),
            lambda w: {"decision": "approve"}, roles("district_410305")),
    Forgery("reject a 涧西 claim", claim_url("jx_review", "review"),
            lambda w: {"decision": "reject", "comment": "伪造的驳回", "confirmed": "1"}, roles("district_410305")),
    Forgery("pay the 新安 county part", claim_url("xa_approved", "pay"),
            lambda w: {"part": "county", "paid_on": PAID_ON, "reference": "FORGED-1", "confirmed": "1"},
            roles("finance_410323")),
    Forgery("pay the 涧西 city part", claim_url("jx_approved", "pay"),
            lambda w: {"part": "city", "paid_on": PAID_ON, "reference": "FORGED-2", "confirmed": "1"},
            roles("finance_city")),
    Forgery("pay the 涧西 district part", claim_url("jx_approved", "pay"),
            lambda w: {"part": "district", "paid_on": PAID_ON, "reference": "FORGED-3", "confirmed": "1"},
            roles("finance_410305")),
    Forgery("reverse the 新安 payment", claim_url("xa", "reverse"),
            lambda w: {"payment": w.payments["xa"].pk, "reason": "伪造的冲正", "confirmed": "1"},
            roles("finance_410323")),
    Forgery("reverse the 新安 payment through the 涧西 claim", claim_url("jx", "reverse"),
            lambda w: {"payment": w.payments["xa"].pk, "reason": "伪造的冲正", "confirmed": "1"}, NOBODY),
    Forgery("reverse the 涧西 district payment", claim_url("jx", "reverse"),
            lambda w: {"payment": w.payments["jx_district"].pk, "reason": "伪造的冲正", "confirmed": "1"},
            roles("finance_410305")),
    Forgery("resolve the 新安 difference", claim_url("xa_flagged", "resolve"),
            lambda w: {"revision": w.revision.pk, "accept": "0", "comment": "不予采纳"}, roles("city_admin")),
    Forgery("resolve the 新安 difference through the 涧西 claim", claim_url("jx", "resolve"),
            lambda w: {"revision": w.revision.pk, "accept": "0"}, NOBODY),
    Forgery("decide the 新安 listing application", lambda w: f"/applications/{w.applications['xa'].pk}/decide/",
            lambda w: {"decision": "reject", "comment": "材料不全", "confirmed": "1"}, roles("city_admin", "jinrong")),
    Forgery("decide the operator's application", lambda w: f"/applications/{w.applications['operator'].pk}/decide/",
            lambda w: {"decision": "reject", "comment": "材料不全", "confirmed": "1"}, roles("city_admin")),
    # parties only; what a party may submit is the application tests' business
    Forgery("submit an application", lambda w: "/applications/new/",
            lambda w: {"kind": "neeq", "action": "basic_listed", "date": "2024-01-15"}, NOBODY, skip=RECIPIENTS),
    Forgery("run the scan", lambda w: "/fulfilment/scan/", lambda w: {}, roles("city_admin")),
    Forgery("change a policy parameter", lambda w: "/policy/change/",
            lambda w: {"kind": "parameter", "key": "art1_provincial_zjtx", "value": "150000",
                       "effective_from": "2027-01-01", "reason": "伪造的修改", "action": "save",
                       # as after a preview of these values (a save of unpreviewed values previews again)
                       "previewed": previewed("parameter", "art1_provincial_zjtx", "150000.00",
                                              dt.date(2027, 1, 1))}, roles("city_admin")),
    Forgery("upload an import", lambda w: "/registry/imports/upload/",
            lambda w: {"kind": "recognitions", "file": recognition_list("伪造名单.xlsx", [
                [1, XA_NAMES[1], w.enterprises["xa_review"].uscc, "新安县", "创新型中小企业", "", "2024-06-28", ""]])},
            roles("city_admin")),
    Forgery("confirm an import", lambda w: f"/registry/imports/{w.import_logs['preview'].pk}/confirm/",
            lambda w: {}, roles("city_admin")),
    # marking read is per user: another user's notification id is ignored, not refused
    Forgery("mark ent_xa's notification read", lambda w: "/fulfilment/notifications/",
            lambda w: {"id": [w.notifications["ent_xa"].pk]}, roles("ent_xa"), ignored=SIGNED_IN - {"ent_xa"}),
    Forgery("sign out", lambda w: "/accounts/logout/", lambda w: {}, NOBODY, ignored=SIGNED_IN),
]
# POST endpoints that need no forgery here, and why.
NOT_FORGED = {
    "login": "public: a POST signs in whoever knows the password (rate-limited: tests/web/test_security.py)",
    "password_change": "changes only the signed-in user's own password",
    "password_reset": "public by design; answers the same whether or not the address exists",
    "password_reset_confirm": "needs a token mailed to the user",
}
POST_ENDPOINTS = {  # every URL that accepts POST
    "fulfilment:claim-confirm", "fulfilment:claim-review", "fulfilment:claim-pay", "fulfilment:claim-reverse",
    "fulfilment:claim-resolve", "fulfilment:scan", "fulfilment:notifications", "applications:new",
    "applications:decide", "policy-change", "registry:import-upload", "registry:import-confirm", "logout",
    *NOT_FORGED,
}


def test_every_post_endpoint_is_forged_or_excused(w):
    posted = {resolve(f.url(w)).view_name for f in FORGERIES}
    post_only_names = {ep.name for ep in endpoints() if (r := rule_for(ep)) and r.kind == "post_only"}
    assert post_only_names <= POST_ENDPOINTS, post_only_names - POST_ENDPOINTS
    assert POST_ENDPOINTS - set(NOT_FORGED) <= posted, POST_ENDPOINTS - set(NOT_FORGED) - posted


@pytest.mark.parametrize("forgery", FORGERIES, ids=[f.label for f in FORGERIES])
def test_a_forged_post_is_refused_and_changes_nothing(w, forgery):
    failures = []
    url = forgery.url(w)
    for role in ROLES:
        if role in forgery.skip:
            continue
        client = client_as(w, role)
        with transaction.atomic():
            before = snapshot()
            response = client.post(url, forgery.data(w))
            after = snapshot()
            transaction.set_rollback(True)
        status, changed = response.status_code, changes(before, after)
        where = f"{role:<20} POST {url} [{forgery.label}]"
        location = response.get("Location", "")
        if role == "anonymous":
            if status != 302 or not location.startswith(LOGIN) or changed:
                failures.append(f"{where}: anonymous: expected 302 to {LOGIN} and no change, got {status} "
                                f"{location} changed={changed}")
        elif role in forgery.allowed:
            if status != 302 or not same_site(location) or not changed:
                failures.append(f"{where}: the rightful POST should redirect and change something, got {status} "
                                f"changed={changed}")
        elif role in forgery.ignored:
            if status != 302 or changed:
                failures.append(f"{where}: expected a redirect that changes nothing, got {status} changed={changed}")
        elif status not in (403, 404) or changed:
            failures.append(f"{where}: expected 403/404 and no change, got {status} changed={changed}")
    assert not failures, "\n".join(failures)


# --- CSRF -------------------------------------------------------------------------

CSRF_FORMS = [  # (role, page with the form, form action, data)
    ("county_410323", lambda w: f"/fulfilment/claims/{w.claims['xa_review'].pk}/",
     lambda w: f"/fulfilment/claims/{w.claims['xa_review'].pk}/review/", lambda w: {"decision": "approve"}),
    ("city_admin", lambda w: "/fulfilment/scan/", lambda w: "/fulfilment/scan/", lambda w: {}),
    ("investor", lambda w: f"/fulfilment/claims/{w.claims['investor'].pk}/",
     lambda w: f"/fulfilment/claims/{w.claims['investor'].pk}/confirm/",
     lambda w: {**BANK, "account_name": INVESTOR_NAME}),
    ("jinrong", lambda w: f"/applications/{w.applications['jx'].pk}/",
     lambda w: f"/applications/{w.applications['jx'].pk}/decide/",
     lambda w: {"decision": "reject", "comment": "材料不全", "confirmed": "1"}),
]


@pytest.mark.parametrize("role,page_url,action,data", CSRF_FORMS, ids=[c[0] for c in CSRF_FORMS])
def test_csrf_is_enforced(w, role, page_url, action, data):
    client = client_as(w, role, enforce_csrf_checks=True)
    with transaction.atomic():
        before = snapshot()
        response = client.post(action(w), data(w))
        assert response.status_code == 403 and changes(before, snapshot()) == []
        # the same POST with the token of the page's form goes through
        form_page = client.get(page_url(w))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page.content.decode())[1]
        response = client.post(action(w), {**data(w), "csrfmiddlewaretoken": token})
        assert response.status_code == 302 and changes(before, snapshot()) != []
        transaction.set_rollback(True)
