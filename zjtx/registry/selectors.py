"""Reads of the registry for the enterprise pages: the list (search, filters, sort,
pagination, counts) and the one-file page (一户一档) with its merged history.

Every read is within the user's scope. The city's offices' and a county's lists
(up to the whole registry: 200,000 enterprises in benchmarks/web.py) are answered
from the columns each process keeps (facets.py: search, filters, order, counts and
the page's rows); an enterprise's or an investor's handful of firms is read with
plain queries from `enterprises_visible_to(user)`. The one-file page reads the
database, its change history on demand.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from zjtx.accounts.models import Role, role_of
from zjtx.accounts.scope import CITY_WIDE, LOCAL, enterprises_visible_to, jurisdictions_of

from . import facets
from .models import Enterprise, Investment, Jurisdiction, ListingMilestone, Recognition
from .names import normalise_name
from .uscc import clean_uscc

PAGE_SIZE = 50
# Highest first: the badge a row shows first, and the order of the tier filter.
TIER_ORDER = ("national", "provincial", "city", "innovative")
TIER_SHORT = {"national": "国家级", "provincial": "省级", "city": "市级", "innovative": "创新型"}
STATUSES = {"listed": "已上市", "neeq": "新三板挂牌", "none": "未上市、未挂牌"}
SORTS = {  # key → (label, ORDER BY); "-key" is the other direction
    "name": ("企业名称", ("name_key", "pk")),
    "uscc": ("统一社会信用代码", ("uscc",)),
    "jurisdiction": ("所属县区", ("home_code", "name_key", "pk")),
    "recognized": ("最近认定", ("latest_recognition_on", "name_key", "pk")),
}
DEFAULT_SORT = "name"
_CODE_LIKE = re.compile(r"[0-9A-Z]{4,18}")


# -- the list -------------------------------------------------------------------


@dataclass(frozen=True)
class EnterpriseFilters:
    q: str = ""
    jurisdiction: str = ""  # a current jurisdiction code
    tier: str = ""  # valid today: innovative / city / provincial / national
    industry: str = ""
    status: str = ""  # listed / neeq / none
    sort: str = DEFAULT_SORT  # a key of SORTS, "-" in front for descending

    @classmethod
    def from_query(cls, params) -> EnterpriseFilters:
        """From request.GET; anything unknown falls back to no filter, never an error."""
        sort = params.get("sort", DEFAULT_SORT)
        return cls(
            q=params.get("q", "").strip()[:100],
            jurisdiction=params.get("jurisdiction", "").strip()[:20],
            tier=params.get("tier", "") if params.get("tier") in TIER_SHORT else "",
            industry=params.get("industry", "").strip()[:100],
            status=params.get("status", "") if params.get("status") in STATUSES else "",
            sort=sort if sort.lstrip("-") in SORTS else DEFAULT_SORT,
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.jurisdiction or self.tier or self.industry or self.status)

    def query(self, **changes) -> str:
        """The query string of these filters with some changed (page links, sort links)."""
        values = {**self.__dict__, **changes}
        return urlencode({k: v for k, v in values.items() if v and not (k == "sort" and v == DEFAULT_SORT)})


def _valid_on(day: dt.date) -> Q:
    return Q(announced_on__lte=day, valid_to__gte=day)


def filtered_enterprises(*, user, filters: EnterpriseFilters, today: dt.date) -> QuerySet[Enterprise]:
    qs = enterprises_visible_to(user)
    if filters.q:
        # Names are matched on the normalised key (brackets, spaces, 有限责任公司 ≈ 有限公司);
        # something shaped like a credit code also matches codes by prefix (indexed).
        key = normalise_name(filters.q)
        match = Q(name_key__contains=key)
        code = clean_uscc(filters.q)
        if _CODE_LIKE.fullmatch(code):
            match |= Q(uscc__startswith=code)
        qs = qs.filter(match)
    if filters.jurisdiction:
        qs = qs.filter(fiscal_home__in=facets.kept().homes_of(filters.jurisdiction))
    if filters.tier:
        qs = qs.filter(Exists(Recognition.objects.filter(
            _valid_on(today), enterprise=OuterRef("pk"), tier=filters.tier)))
    if filters.industry:
        qs = qs.filter(industry=filters.industry)
    if filters.status == "listed":
        qs = qs.filter(listed=True)
    elif filters.status == "neeq":
        qs = qs.filter(listed=False).exclude(neeq_layer="")
    elif filters.status == "none":
        qs = qs.filter(listed=False, neeq_layer="")
    return qs


def _ordered_pks(qs: QuerySet[Enterprise], sort: str) -> QuerySet:
    """The matches' pks in the requested order. Only pks: the ORDER BY ... LIMIT query
    stays narrow (an index scan for name, code and latest recognition), and the page's
    rows are fetched by pk afterwards."""
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    if key == "jurisdiction":  # a retired code sorts with its successor
        qs = qs.annotate(home_code=Coalesce("fiscal_home__successor__code", "fiscal_home__code"))
    if key == "recognized":
        # Enterprise.latest_recognition_on is the latest announced_on of its recognitions,
        # kept by the database (migration 0005); NULL (none) sorts last either way.
        first = F("latest_recognition_on").desc(nulls_last=True) if descending else F(
            "latest_recognition_on").asc(nulls_last=True)
        return qs.order_by(first, "name_key", "pk").values_list("pk", flat=True)
    # No NULLS LAST on non-null columns: it would stop PostgreSQL reading the index backwards.
    first, *rest = SORTS[key][1]
    return qs.order_by(f"-{first}" if descending else first, *rest).values_list("pk", flat=True)


def _page_pks(qs: QuerySet[Enterprise], sort: str, start: int, stop: int) -> list[int]:
    """pks start..stop (0-based, stop excluded) of the matches in the requested order."""
    return list(_ordered_pks(qs, sort)[start:stop])


def _tier_counts(valid: QuerySet[Recognition]) -> dict[str, int]:
    """Enterprises per tier among these recognitions."""
    return dict(valid.order_by().values_list("tier").annotate(n=Count("enterprise", distinct=True)))


def _industries(visible: QuerySet[Enterprise]) -> list[str]:
    """The industries among a few enterprises (an enterprise's or an investor's scope;
    the city's and the counties' come from facets)."""
    return list(visible.exclude(industry="").order_by("industry").values_list("industry", flat=True).distinct())


def _search_terms(q: str) -> dict[str, str] | None:
    """A search as facets.Kept.find takes it: a name key and a code prefix, or None when
    it matches every name (a search of nothing but brackets or spaces)."""
    if not q:
        return {}
    key = normalise_name(q)
    if not key:
        return None
    code = clean_uscc(q)
    return {"q_name": key, "q_code": code if _CODE_LIKE.fullmatch(code) else ""}


def _find(user, filters: EnterpriseFilters, today: dt.date, kept: facets.Kept) -> facets.Found | None:
    """The city's offices' and a county's list from the kept columns (facets.py); None
    for an enterprise's or an investor's handful of firms, which SQL answers."""
    role = role_of(user)
    if role not in CITY_WIDE and role not in LOCAL:
        return None
    terms = _search_terms(filters.q)
    return kept.find(today=today, scope=None if role in CITY_WIDE else jurisdictions_of(user),
                     homes=kept.homes_of(filters.jurisdiction) if filters.jurisdiction else None,
                     industry=filters.industry, status=filters.status, tier=filters.tier, sort=filters.sort,
                     **(terms or {}))


def _counts(user, matches: QuerySet[Enterprise], today: dt.date) -> facets.Counts:
    """The counts of a few enterprises (an enterprise's or an investor's scope), in SQL."""
    visible = enterprises_visible_to(user)
    valid = Recognition.objects.filter(_valid_on(today), enterprise__in=matches.values("pk"))
    return facets.Counts(matches.count(), visible.count(), _tier_counts(valid), _industries(visible))


@dataclass(frozen=True)
class TierBadge:
    tier: str
    label: str
    valid_to: dt.date

    @property
    def title(self) -> str:
        return f"有效期至{self.valid_to.isoformat()}"


@dataclass(frozen=True)
class EnterpriseRow:
    pk: int
    url: str  # its one-file page
    name: str
    uscc: str
    jurisdiction: str
    jurisdiction_note: str  # e.g. 原偃师市（410381）
    industry: str
    tiers: tuple[TierBadge, ...]  # valid today, highest first
    latest_label: str  # the latest recognition, "省级 2023-12-22"
    status: str


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    selected: bool


@dataclass(frozen=True)
class TierCount:
    tier: str
    label: str
    count: int  # matches holding a recognition of this tier valid today
    selected: bool
    query: str  # the filters with this tier (or without it, when selected)

    @property
    def count_display(self) -> str:
        return f"{self.count:,}"


@dataclass(frozen=True)
class SortLink:
    key: str
    label: str
    query: str
    state: str  # "asc", "desc" or ""

    @property
    def aria(self) -> str:
        return {"asc": "ascending", "desc": "descending"}.get(self.state, "")

    @property
    def mark(self) -> str:
        return {"asc": "▲", "desc": "▼"}.get(self.state, "")


@dataclass
class EnterpriseListPage:
    filters: EnterpriseFilters
    page: Page
    rows: list[EnterpriseRow]
    total: int  # enterprises matching the filters
    scope_total: int  # enterprises the user may see at all
    tier_counts: list[TierCount]
    jurisdictions: list[Option]
    industries: list[Option]
    statuses: list[Option]
    sorts: dict[str, SortLink]
    page_links: list[tuple[int | None, str]] = field(default_factory=list)  # (number, query); None = gap
    prev_query: str | None = None
    next_query: str | None = None

    @property
    def total_display(self) -> str:
        return f"{self.total:,}"

    @property
    def scope_total_display(self) -> str:
        return f"{self.scope_total:,}"
    today: dt.date = field(default_factory=timezone.localdate)


NEEQ_LAYERS = dict(Enterprise.NeeqLayer.choices)


def _status(listed: bool, exchange: str, neeq_layer: str) -> str:
    if listed:
        return f"已上市（{exchange}）" if exchange else "已上市"
    if neeq_layer:
        return f"新三板{NEEQ_LAYERS.get(neeq_layer, neeq_layer)}"
    return ""


def _facts(pks: list[int]) -> list[facets.Facts]:
    """The rows of a few enterprises (an enterprise's or investor's list) from the database."""
    recognitions = defaultdict(list)
    for enterprise_id, tier, announced_on, valid_to in (
            Recognition.objects.filter(enterprise_id__in=pks).order_by("announced_on")
            .values_list("enterprise_id", "tier", "announced_on", "valid_to")):
        recognitions[enterprise_id].append((tier, announced_on, valid_to))
    found = {pk: facets.Facts(pk, *rest, tuple(recognitions[pk])) for pk, *rest in (
        Enterprise.objects.filter(pk__in=pks).values_list(
            "pk", "name", "uscc", "fiscal_home_id", "industry", "listed", "exchange", "neeq_layer"))}
    return [found[pk] for pk in pks]


def _rows(facts: list[facets.Facts], today: dt.date, homes: dict[int, facets.Home]) -> list[EnterpriseRow]:
    url = reverse("registry:enterprise-detail", args=[0]).replace("/0/", "/{}/")
    rows = []
    for f in facts:
        valid: dict[str, dt.date] = {}
        latest = None
        for tier, announced_on, valid_to in f.recognitions:
            if announced_on <= today <= valid_to:
                valid[tier] = max(valid.get(tier, valid_to), valid_to)
            # the latest; on one day, the highest tier
            if latest is None or (announced_on, -TIER_ORDER.index(tier)) > (latest[1], -TIER_ORDER.index(latest[0])):
                latest = (tier, announced_on)
        home = homes[f.home]
        current = homes[home.successor_id] if home.successor_id else home
        rows.append(EnterpriseRow(
            pk=f.pk, url=url.format(f.pk), name=f.name, uscc=f.uscc, jurisdiction=current.name,
            jurisdiction_note=f"原{home.name}（{home.code}）" if home.successor_id else "", industry=f.industry,
            tiers=tuple(TierBadge(t, TIER_SHORT[t], valid[t]) for t in TIER_ORDER if t in valid),
            latest_label=f"{TIER_SHORT[latest[0]]} {latest[1].isoformat()}" if latest else "",
            status=_status(f.listed, f.exchange, f.neeq_layer)))
    return rows


def _jurisdiction_options(user, selected: str, homes: dict[int, facets.Home]) -> list[Option]:
    role = role_of(user)
    current = [h for h in homes.values() if h.successor_id is None]  # in code order
    if role in LOCAL:
        mine = set(jurisdictions_of(user))
        current = [h for h in current if h.pk in mine]
    elif role not in CITY_WIDE:
        return []  # an enterprise or investor sees too few firms for this filter to help
    return [Option(h.code, h.name, h.code == selected) for h in current]


def _page_links(page: Page, filters: EnterpriseFilters) -> list[tuple[int | None, str]]:
    """First, last and two pages either side of the current one; None marks a gap."""
    last = page.paginator.num_pages
    wanted = sorted({1, last, *range(max(1, page.number - 2), min(last, page.number + 2) + 1)})
    links: list[tuple[int | None, str]] = []
    for i, n in enumerate(wanted):
        if i and n - wanted[i - 1] > 1:
            links.append((None, ""))
        links.append((n, filters.query(page=n if n > 1 else "")))
    return links


def enterprise_list_page(*, user, filters: EnterpriseFilters, page_number=1,
                         today: dt.date | None = None) -> EnterpriseListPage:
    today = today or timezone.localdate()
    kept = facets.kept()
    found = _find(user, filters, today, kept)
    if found is None:
        matches = filtered_enterprises(user=user, filters=filters, today=today)
        counted = _counts(user, matches, today)
    else:
        counted = found.counts
    total = counted.total
    # Paginate a range of the right length: the count is the one above, never a
    # count of the sorted (possibly aggregated) query.
    page = Paginator(range(total), PAGE_SIZE).get_page(page_number)
    start, stop = page.start_index() - 1, page.end_index()
    if not total:
        facts = []
    elif found is None:
        facts = _facts(_page_pks(matches, filters.sort, start, stop))
    else:
        facts = found.facts(start, stop)
    active_sort = filters.sort.lstrip("-")
    sorts = {}
    for key, (label, _) in SORTS.items():
        if key == active_sort:
            state = "desc" if filters.sort.startswith("-") else "asc"
            next_sort = key if state == "desc" else f"-{key}"
        else:
            state = ""
            next_sort = f"-{key}" if key == "recognized" else key  # newest recognitions first
        sorts[key] = SortLink(key, label, filters.query(sort=next_sort), state)
    result = EnterpriseListPage(
        filters=filters, page=page, rows=_rows(facts, today, kept.homes()), total=total,
        scope_total=counted.scope_total,
        tier_counts=[TierCount(t, TIER_SHORT[t], counted.tiers.get(t, 0), filters.tier == t,
                               filters.query(tier="" if filters.tier == t else t)) for t in TIER_ORDER],
        jurisdictions=_jurisdiction_options(user, filters.jurisdiction, kept.homes()),
        industries=[Option(i, i, i == filters.industry) for i in counted.industries],
        statuses=[Option(k, v, k == filters.status) for k, v in STATUSES.items()],
        sorts=sorts, today=today,
    )
    result.page_links = _page_links(page, filters)
    if page.has_previous():
        result.prev_query = filters.query(page=page.previous_page_number() if page.number > 2 else "")
    if page.has_next():
        result.next_query = filters.query(page=page.next_page_number())
    return result


# -- the one-file page (一户一档) ------------------------------------------------------


@dataclass(frozen=True)
class RecognitionView:
    tier: str
    tier_label: str
    kind_label: str
    is_review: bool
    batch: str
    announced_on: dt.date
    valid_to: dt.date
    valid_to_defaulted: bool
    status: str  # 有效 / 已过期 / 未生效
    source_document: str


@dataclass(frozen=True)
class MilestoneView:
    date: dt.date
    kind_label: str
    detail: str
    exchange: str
    source_document: str


@dataclass(frozen=True)
class InvestmentView:
    investor: str
    investor_kind: str
    round: str
    tranche: int
    paid_in: str  # yuan, "1,234,567.00"
    subscribed: str
    paid_in_date: dt.date
    registered_on: dt.date | None


def money(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:,.2f}"


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: dt.datetime
    who: str
    subject: str  # 企业信息 / 认定：… / 上市进程：… / 股权投资：…
    action: str  # 新建 / 修改 / 删除
    changes: tuple[Change, ...]
    reason: str


@dataclass
class EnterpriseFile:
    enterprise: Enterprise
    home: Jurisdiction  # today's jurisdiction (the successor of a retired code)
    home_note: str
    funding: str
    size: str
    status: str
    recognitions: list[RecognitionView]
    milestones: list[MilestoneView]
    investments: list[InvestmentView]
    investment_total: str
    history_url: str | None  # the change history, loaded on demand; None: not shown to this user
    statement_url: str | None  # the 红利账单 page, once the fulfilment app serves it
    today: dt.date
    former_names: list = field(default_factory=list)  # 曾用名, latest first

    @property
    def valid_tiers(self) -> list[tuple[str, str]]:
        """(tier, label) of the tiers held today, highest first."""
        held = {r.tier: r.tier_label for r in self.recognitions if r.status == "有效"}
        return [(t, held[t]) for t in TIER_ORDER if t in held]


def _funding_text(home: Jurisdiction) -> str:
    if home.parent_id:
        return f"县管开发区，随{home.parent.name}：{home.parent.get_funding_display()}"
    return home.get_funding_display()


def _recognition_status(r: Recognition, today: dt.date) -> str:
    if r.announced_on > today:
        return "未生效"
    return "有效" if r.valid_to >= today else "已过期"


def _milestone_detail(m: ListingMilestone) -> str:
    if m.kind == ListingMilestone.Kind.IPO_NODE:
        return f"{m.get_path_display()}：{m.get_node_display()}"
    if m.kind == ListingMilestone.Kind.IPO_WITHDRAWN:
        return m.get_path_display()
    if m.kind == ListingMilestone.Kind.NEEQ:
        return m.get_action_display()
    return f"{m.market or '中原股权交易中心'}：{m.get_board_display()}"


def _statement_url(pk: int) -> str | None:
    try:
        return reverse("fulfilment:statement-of", args=["enterprise", pk])
    except NoReverseMatch:
        return None


def enterprise_file(*, user, pk: int, today: dt.date | None = None) -> EnterpriseFile | None:
    """Everything known about one enterprise, or None when it is outside the user's
    scope (the view answers 404 either way, so an id reveals nothing)."""
    today = today or timezone.localdate()
    e = (enterprises_visible_to(user).select_related("fiscal_home__successor__parent", "fiscal_home__parent")
         .filter(pk=pk).first())
    if e is None:
        return None
    home = e.fiscal_home.successor if e.fiscal_home.successor_id else e.fiscal_home
    recognitions = [
        RecognitionView(r.tier, r.get_tier_display(), r.get_kind_display(), r.kind == Recognition.Kind.REVIEW,
                        r.batch, r.announced_on, r.valid_to, r.valid_to_defaulted,
                        _recognition_status(r, today), r.source_document)
        for r in e.recognitions.order_by("-announced_on", "-pk")]
    milestones = [
        MilestoneView(m.date, m.get_kind_display(), _milestone_detail(m), m.exchange, m.source_document)
        for m in e.milestones.order_by("-date", "-pk")]
    received = e.investments_received.select_related("investor").order_by("-paid_in_date", "-pk")
    investor_view = role_of(user) == Role.INVESTOR
    if investor_view:  # an investor reads its own stake, not its co-investors'
        received = received.filter(investor_id=user.profile.investor_id)
    received = list(received)
    investments = [
        InvestmentView(v.investor.name, v.investor.get_kind_display(), v.round, v.tranche, money(v.paid_in),
                       money(v.subscribed), v.paid_in_date, v.registered_on)
        for v in received]
    return EnterpriseFile(
        enterprise=e, home=home,
        home_note=f"登记的财政归属为已撤销的{e.fiscal_home.name}（{e.fiscal_home.code}），现属{home.name}"
        if e.fiscal_home.successor_id else "",
        funding=_funding_text(home), size=e.get_size_display(), status=_status(e.listed, e.exchange, e.neeq_layer) or "未上市、未在新三板挂牌",
        recognitions=recognitions, milestones=milestones, investments=investments,
        investment_total=money(sum((v.paid_in for v in received), Decimal(0))),
        history_url=None if investor_view else reverse("registry:enterprise-history", args=[e.pk]),
        statement_url=_statement_url(e.pk), today=today, former_names=list(e.former_names.all()),
    )


# -- history ----------------------------------------------------------------------

ACTIONS = {"+": "新建", "~": "修改", "-": "删除"}
# Derived or bookkeeping columns a reader does not need to see change.
HIDDEN_FIELDS = {"id", "name_key", "latest_recognition_on", "created_at", "updated_at", "enterprise", "investee"}


def _who(record) -> str:
    user = record.history_user
    if user is None:
        return "系统"
    full = f"{user.last_name}{user.first_name}".strip()
    return f"{full}（{user.username}）" if full else user.username


def _display(model_field, value, names: dict) -> str:
    if value is None or value == "":
        return "（空）"
    if model_field.is_relation:
        return names.get((model_field.related_model, value), f"#{value}")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return money(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _subject(model, record) -> str:
    if model is Enterprise:
        return "企业信息"
    if model is Recognition:
        return f"认定：{record.get_tier_display()}（{record.announced_on.isoformat()}）"
    if model is ListingMilestone:
        return f"上市进程：{record.get_kind_display()}（{record.date.isoformat()}）"
    return f"股权投资：{record.round} 第{record.tranche}期"


def history_visible_to(user, pk: int) -> tuple[Enterprise, list[HistoryEntry]] | None:
    """The enterprise and its change history, or None outside the user's scope. The
    history is the offices' record (contacts, every investment received): an
    investor, who may open an investee's page, does not read it."""
    if role_of(user) == Role.INVESTOR:
        return None
    e = enterprises_visible_to(user).filter(pk=pk).first()
    return None if e is None else (e, enterprise_history(e))


@cache
def _historical_model(model):
    return model.history.model


def _historical(model) -> QuerySet:
    return _historical_model(model)._default_manager.all()


def enterprise_history(e: Enterprise) -> list[HistoryEntry]:
    """Every change of the enterprise and of its recognitions, milestones and
    investments received, newest first: who, when, and each field before → after
    (including rows deleted since, whose history remains)."""
    # The historical models' own managers: `Model.history` builds a manager class on every access.
    sources = [
        (Enterprise, _historical(Enterprise).filter(id=e.pk)),
        (Recognition, _historical(Recognition).filter(enterprise_id=e.pk)),
        (ListingMilestone, _historical(ListingMilestone).filter(enterprise_id=e.pk)),
        (Investment, _historical(Investment).filter(investee_id=e.pk)),
    ]
    loaded = [(model, list(qs.select_related("history_user").order_by("id", "history_date", "history_id")))
              for model, qs in sources]
    names = _related_names(loaded)
    entries: list[tuple[tuple, HistoryEntry]] = []
    for model, records in loaded:
        fields = [f for f in model._meta.concrete_fields if f.name not in HIDDEN_FIELDS]
        previous = None
        for record in records:
            if previous is None or previous.id != record.id:
                previous = None
            changes: list[Change] = []
            if record.history_type == "~" and previous is not None:
                for f in fields:
                    old, new = getattr(previous, f.attname), getattr(record, f.attname)
                    if old != new:
                        changes.append(Change(str(f.verbose_name), _display(f, old, names), _display(f, new, names)))
            entry = HistoryEntry(record.history_date, _who(record), _subject(model, record),
                                 ACTIONS.get(record.history_type, record.history_type), tuple(changes),
                                 record.history_change_reason or "")
            if record.history_type != "~" or changes:  # a save that changed nothing is noise
                entries.append(((record.history_date, record.history_id), entry))
            previous = record
    entries.sort(key=lambda pair: pair[0], reverse=True)
    return [entry for _, entry in entries]


def _related_names(loaded) -> dict:
    """Display names of the foreign keys the history mentions, one query per model."""
    wanted: dict[type, set] = defaultdict(set)
    for model, records in loaded:
        for f in model._meta.concrete_fields:
            if f.is_relation and f.name not in HIDDEN_FIELDS:
                wanted[f.related_model] |= {getattr(r, f.attname) for r in records} - {None}
    names = {}
    for related, pks in wanted.items():
        for obj in related.objects.filter(pk__in=pks) if pks else ():
            names[(related, obj.pk)] = str(obj)
    return names
