"""The recipient's statement (红利账单): everything received and due under the
policy, by article and year, with the article's words cited."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from zjtx.policy.pack import load_pack

from .models import Claim, ClaimState, Entitlement, Payment

ZERO = Decimal("0.00")


@dataclass
class StatementLine:
    entitlement: Entitlement
    state_label: str
    due: Decimal
    paid: Decimal

    @property
    def outstanding(self) -> Decimal:
        return self.due - self.paid


@dataclass
class ArticleBlock:
    number: int
    title: str
    text: str
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def due(self) -> Decimal:
        return sum((line.due for line in self.lines), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((line.paid for line in self.lines), ZERO)


@dataclass
class Statement:
    payee_name: str
    payee_code: str
    blocks: list[ArticleBlock]
    by_year: dict[int, dict[str, Decimal]]
    generated_at: object

    @property
    def due(self) -> Decimal:
        return sum((b.due for b in self.blocks), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((b.paid for b in self.blocks), ZERO)

    @property
    def outstanding(self) -> Decimal:
        return self.due - self.paid


def statement_for(*, enterprise=None, investor=None, operator=None) -> Statement:
    """The statement of one recipient. A rejected claim is shown as such and counts
    nothing as due."""
    if enterprise is not None:
        q, payee = Q(enterprise=enterprise, investor__isnull=True, operator__isnull=True), enterprise
    elif investor is not None:
        q, payee = Q(investor=investor), investor
    else:
        q, payee = Q(operator=operator), operator
    ents = (Entitlement.objects.filter(q).select_related("claim", "enterprise")
            .order_by("article", "budget_year", "pk"))
    paid = dict(Payment.objects.filter(claim__entitlement__in=ents).values_list("claim__entitlement")
                .annotate(s=Sum("amount")).values_list("claim__entitlement", "s"))
    pack = load_pack()
    blocks: dict[int, ArticleBlock] = {}
    by_year: dict[int, dict[str, Decimal]] = defaultdict(lambda: {"due": ZERO, "paid": ZERO})
    for ent in ents:
        claim: Claim = ent.claim
        due = ZERO if claim.state == ClaimState.REJECTED else ent.amount
        line = StatementLine(entitlement=ent, state_label=claim.get_state_display(), due=due,
                             paid=paid.get(ent.pk) or ZERO)
        article = pack.articles[ent.article]
        block = blocks.setdefault(ent.article, ArticleBlock(number=ent.article, title=article.title,
                                                             text=article.text))
        block.lines.append(line)
        by_year[ent.budget_year]["due"] += line.due
        by_year[ent.budget_year]["paid"] += line.paid
    return Statement(payee_name=payee.name, payee_code=payee.uscc or "", blocks=list(blocks.values()),
                     by_year=dict(sorted(by_year.items())), generated_at=timezone.localtime())
