"""Read-only view models of the policy pack for the policy browser.

Views and templates stay dumb: everything they show (formatting of amounts,
which unit leads, which reading is the default, which value is in force) is
decided here, from `zjtx.policy.pack`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from zjtx.policy.pack import Article, Interpretation, Pack, Parameter, load_pack

# Parameters of article 0 concern the whole policy (effective and expiry dates).
GENERAL_ARTICLE = 0


@dataclass(frozen=True)
class ParameterValueView:
    since: dt.date
    since_display: str
    display: str
    hint: str  # the amount as the policy text writes it (万元), to check against the text
    in_force: bool


@dataclass(frozen=True)
class ParameterView:
    key: str
    label: str
    unit: str
    reference: str
    values: tuple[ParameterValueView, ...]


@dataclass(frozen=True)
class OptionView:
    key: str
    description: str
    is_default: bool


@dataclass(frozen=True)
class InterpretationView:
    key: str
    ambiguity: str
    question: str
    articles: tuple[int, ...]
    options: tuple[OptionView, ...]  # the default first


@dataclass(frozen=True)
class UnitView:
    name: str
    is_lead: bool


@dataclass(frozen=True)
class ArticleView:
    number: int
    chapter: str
    title: str
    text: str
    note: str
    units: tuple[UnitView, ...]
    units_as_written: str
    parameters: tuple[ParameterView, ...]
    interpretations: tuple[InterpretationView, ...]


@dataclass(frozen=True)
class ChapterView:
    title: str
    articles: tuple[ArticleView, ...]


@dataclass(frozen=True)
class ReadingView:
    code: str
    ambiguity: str
    text: str


@dataclass(frozen=True)
class PolicyOverview:
    pack_name: str
    as_of: dt.date
    articles: tuple[ArticleView, ...]
    chapters: tuple[ChapterView, ...]
    general_parameters: tuple[ParameterView, ...]
    readings: tuple[ReadingView, ...]
    parameter_count: int
    interpretation_count: int


@dataclass(frozen=True)
class ArticlePage:
    article: ArticleView
    previous_number: int | None
    next_number: int | None
    as_of: dt.date


# -- formatting ---------------------------------------------------------------


def format_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _plain(number: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 10.00 -> '10', 12.50 -> '12.5'."""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_parameter_value(unit: str, value) -> str:
    if value is None:
        return "未规定"
    if unit == "yuan":
        text = f"{Decimal(value).quantize(Decimal('0.01')):,.2f}"
        return f"{text.removesuffix('.00')} 元"
    if unit == "rate":
        return f"{_plain(Decimal(value) * 100)}%"
    if unit == "date":
        return format_date(value)
    return str(value)


def parameter_hint(unit: str, value) -> str:
    if unit == "yuan" and value is not None:
        return f"{_plain(Decimal(value) / 10000)}万元"
    return ""


# -- building view models -----------------------------------------------------


def _parameter_view(parameter: Parameter, *, as_of: dt.date) -> ParameterView:
    in_force_since = max((since for since, _ in parameter.values if since <= as_of), default=None)
    return ParameterView(
        key=parameter.key,
        label=parameter.label,
        unit=parameter.unit,
        reference=parameter.reference,
        values=tuple(
            ParameterValueView(
                since=since,
                since_display=format_date(since),
                display=format_parameter_value(parameter.unit, value),
                hint=parameter_hint(parameter.unit, value),
                in_force=since == in_force_since,
            )
            for since, value in parameter.values
        ),
    )


def _interpretation_view(interpretation: Interpretation) -> InterpretationView:
    options = sorted(
        (
            OptionView(key=key, description=text, is_default=key == interpretation.default)
            for key, text in interpretation.options.items()
        ),
        key=lambda o: not o.is_default,
    )
    return InterpretationView(
        key=interpretation.key,
        ambiguity=interpretation.ambiguity,
        question=interpretation.question,
        articles=interpretation.articles,
        options=tuple(options),
    )


def _article_view(pack: Pack, article: Article, *, as_of: dt.date) -> ArticleView:
    return ArticleView(
        number=article.number,
        chapter=article.chapter,
        title=article.title,
        text=article.text,
        note=article.note,
        units=tuple(UnitView(name=u, is_lead=u == article.lead_unit) for u in article.units),
        units_as_written=article.units_as_written,
        parameters=tuple(
            _parameter_view(p, as_of=as_of) for p in pack.article_parameters(article.number)
        ),
        interpretations=tuple(
            _interpretation_view(i) for i in pack.article_interpretations(article.number)
        ),
    )


def _reading_order(code: str) -> tuple[int, str]:
    match = re.search(r"\d+", code)
    return (int(match.group()) if match else 0, code)


def policy_overview(*, pack: Pack | None = None, as_of: dt.date | None = None) -> PolicyOverview:
    pack = pack or load_pack()
    as_of = as_of or timezone.localdate()
    articles = tuple(
        _article_view(pack, pack.articles[n], as_of=as_of) for n in sorted(pack.articles)
    )
    chapters: list[ChapterView] = []
    for article in articles:  # chapters in document order, as the articles run
        if chapters and chapters[-1].title == article.chapter:
            last = chapters.pop()
            chapters.append(ChapterView(last.title, (*last.articles, article)))
        else:
            chapters.append(ChapterView(article.chapter, (article,)))
    return PolicyOverview(
        pack_name=pack.name,
        as_of=as_of,
        articles=articles,
        chapters=tuple(chapters),
        general_parameters=tuple(
            _parameter_view(p, as_of=as_of) for p in pack.article_parameters(GENERAL_ARTICLE)
        ),
        readings=tuple(
            ReadingView(code=code, ambiguity=r.get("ambiguity", ""), text=r["text"])
            for code, r in sorted(pack.readings.items(), key=lambda kv: _reading_order(kv[0]))
        ),
        parameter_count=len(pack.parameters),
        interpretation_count=len(pack.interpretations),
    )


def article_page(
    *, number: int, pack: Pack | None = None, as_of: dt.date | None = None
) -> ArticlePage | None:
    """One article with its neighbours, or None when the pack has no such article."""
    pack = pack or load_pack()
    if number not in pack.articles:
        return None
    as_of = as_of or timezone.localdate()
    numbers = sorted(pack.articles)
    index = numbers.index(number)
    return ArticlePage(
        article=_article_view(pack, pack.articles[number], as_of=as_of),
        previous_number=numbers[index - 1] if index > 0 else None,
        next_number=numbers[index + 1] if index + 1 < len(numbers) else None,
        as_of=as_of,
    )
