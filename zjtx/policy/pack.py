"""The policy pack: articles, dated parameters, named readings and jurisdictions.

A pack is a folder of YAML beside the policy text (packs/<name>/). Nothing here
imports Django: the engine, the CLI and the web pages all read the pack this way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml

PACKS_DIR = Path(__file__).parent / "packs"
DEFAULT_PACK = "luoyang_2022"


@dataclass(frozen=True)
class Article:
    number: int
    chapter: str
    title: str
    lead_unit: str
    units: tuple[str, ...]
    units_as_written: str
    text: str
    note: str = ""


@dataclass(frozen=True)
class Parameter:
    """One dated parameter: `values` maps the date a value takes effect to it."""

    key: str
    article: int
    label: str
    unit: str  # yuan / rate / date
    reference: str
    values: tuple[tuple[dt.date, object], ...]  # sorted by date

    def value_on(self, day: dt.date):
        """The value in force on `day`; before the first date, the first value."""
        current = self.values[0][1]
        for since, value in self.values:
            if since <= day:
                current = value
        return current


@dataclass(frozen=True)
class Interpretation:
    key: str
    articles: tuple[int, ...]
    ambiguity: str
    question: str
    default: str
    options: dict[str, str]


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    name: str
    kind: str  # district / county / zone
    funding: str  # city50_local50 / county100 / city100
    parent: str | None = None


@dataclass(frozen=True)
class Pack:
    name: str
    measures_text: str
    articles: dict[int, Article]
    parameters: dict[str, Parameter]
    interpretations: dict[str, Interpretation]
    readings: dict[str, dict]
    jurisdictions: dict[str, Jurisdiction]
    aliases: dict[str, dict]
    funding_rules: dict[str, dict] = field(default_factory=dict)
    items: dict[str, dict] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)  # in order of precedence

    def article_parameters(self, number: int) -> list[Parameter]:
        return [p for p in self.parameters.values() if p.article == number]

    def article_interpretations(self, number: int) -> list[Interpretation]:
        return [i for i in self.interpretations.values() if number in i.articles]

    def default_interpretations(self) -> dict[str, str]:
        return {k: i.default for k, i in self.interpretations.items()}

    def city_share(self, funding: str) -> Decimal:
        return Decimal(self.funding_rules[funding]["city_share"])


def parse_parameter_value(unit: str, raw):
    """Parameter values are strings in the YAML (never floats); give them their type."""
    if raw is None:
        return None
    if unit == "date":
        return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
    return Decimal(str(raw))


def _load_yaml(path: Path):
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


@lru_cache(maxsize=4)
def load_pack(name: str = DEFAULT_PACK) -> Pack:
    folder = PACKS_DIR / name
    articles = {
        a["number"]: Article(
            number=a["number"],
            chapter=a["chapter"],
            title=a["title"],
            lead_unit=a["lead_unit"],
            units=tuple(a["units"]),
            units_as_written=a["units_as_written"],
            text=a["text"],
            note=a.get("note", ""),
        )
        for a in _load_yaml(folder / "articles.yaml")
    }
    parameters = {}
    for key, p in _load_yaml(folder / "parameters.yaml").items():
        values = sorted(
            (dt.date.fromisoformat(str(since)), parse_parameter_value(p["unit"], v))
            for since, v in p["values"].items()
        )
        parameters[key] = Parameter(
            key=key,
            article=p["article"],
            label=p["label"],
            unit=p["unit"],
            reference=p["reference"],
            values=tuple(values),
        )
    interpretations = {
        key: Interpretation(
            key=key,
            articles=tuple(i["articles"]),
            ambiguity=i["ambiguity"],
            question=i["question"],
            default=i["default"],
            options=dict(i["options"]),
        )
        for key, i in _load_yaml(folder / "interpretations.yaml").items()
    }
    j = _load_yaml(folder / "jurisdictions.yaml")
    jurisdictions = {
        str(code): Jurisdiction(code=str(code), parent=v.get("parent"), **{
            k: v[k] for k in ("name", "kind", "funding")
        })
        for code, v in j["jurisdictions"].items()
    }
    return Pack(
        name=name,
        measures_text=(folder / "measures.txt").read_text(encoding="utf-8"),
        articles=articles,
        parameters=parameters,
        interpretations=interpretations,
        readings=_load_yaml(folder / "readings.yaml"),
        jurisdictions=jurisdictions,
        aliases={str(k): v for k, v in j["aliases"].items()},
        funding_rules=j["funding_rules"],
        items=_load_yaml(folder / "items.yaml"),
        reasons=_load_yaml(folder / "reasons.yaml"),
    )
