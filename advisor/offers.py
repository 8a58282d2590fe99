"""Routing offers: shopping on Amazon through a site for cashback (e.g. Amazon Fashion)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from advisor.model import Advice, RoutingOffer, Spend

AMAZON_WORDS = ("amazon", "アマゾン")
FASHION_WORDS = ("fashion", "ファッション")


def _mentions(offer: RoutingOffer, words) -> bool:
    text = " ".join(t for t in (offer.store, offer.title, offer.scope or "") if t).lower()
    return any(w in text for w in words)


def is_fashion_offer(offer: RoutingOffer) -> bool:
    return offer.rate_bp > 0 and _mentions(offer, AMAZON_WORDS) and _mentions(offer, FASHION_WORDS)


def cashback_points(yen: int, offer: RoutingOffer) -> int:
    """Points the site pays on `yen` of eligible spend; sites round down."""
    yen_back = Fraction(yen * offer.rate_bp, 10_000)
    return int(yen_back / offer.yen_per_point)


def cashback_yen(yen: int, offer: RoutingOffer) -> Fraction:
    """What the site's cashback on `yen` of eligible spend is worth in yen
    (its points, rounded down as the site pays them, at the point's value)."""
    return cashback_points(yen, offer) * offer.yen_per_point


def routing_offer_advice(offers: list[RoutingOffer], spends: list[Spend], today,
                         names: dict[str, str] | None = None, units: dict[str, str] | None = None
                         ) -> list[Advice]:
    """For each active Amazon Fashion offer with `fashion` spend inside its window
    (`names`: site → the name shown to the user; `units`: site → its points'
    unit where not "pt", in which the cashback is named).

    One order goes through one site: where offers overlap, each spend is
    routed through the offer that pays it most (`cashback_yen`; ties: the
    higher rate, then the site's name), never counted on two sites."""
    ranked = sorted((o for o in offers if is_fashion_offer(o) and (o.ends_on is None or o.ends_on >= today)),
                    key=lambda o: (-o.rate_bp, o.site))
    chosen: dict[int, list[Spend]] = {}  # index in `ranked` → the spends routed through it
    for s in spends:
        if s.tag != "fashion" or s.on < today:
            continue
        best = max((i for i, o in enumerate(ranked) if o.active_on(s.on)),
                   key=lambda i: (cashback_yen(s.yen, ranked[i]), -i), default=None)
        if best is not None:
            chosen.setdefault(best, []).append(s)
    advice = []
    for i, offer in enumerate(ranked):
        eligible = chosen.get(i)
        if not eligible:
            continue
        yen = sum(s.yen for s in eligible)
        # Each planned spend is its own order and the site rounds each order's
        # points down, so ¥150 + ¥150 at 1 % is 1 + 1 pt, not 3.
        points = sum(cashback_points(s.yen, offer) for s in eligible)
        window = (f"{offer.starts_on or ''}〜{offer.ends_on or ''}"
                  if offer.starts_on or offer.ends_on else "不明")
        advice.append(Advice(
            kind="routing_offer",
            text=(f"ファッションの買い物 ¥{yen:,} は {(names or {}).get(offer.site, offer.site)} 経由で: {offer.title} "
                  f"{Decimal(offer.rate_bp) / 100}% → 約{points:,}{(units or {}).get(offer.site, 'pt')}（期間 {window}"
                  + (f"、条件: {offer.conditions}" if offer.conditions else "")
                  + (f"、{offer.lag_text}" if offer.lag_text else "") + "）"),
            numbers={"site": offer.site, "rate_bp": offer.rate_bp, "eligible_yen": yen,
                     "points": points, "spends": [s.on.isoformat() for s in eligible],
                     "conditions": offer.conditions},
            source_url=offer.source_url, seen_at=offer.seen_at))
    return advice
