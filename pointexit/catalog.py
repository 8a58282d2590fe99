"""Static facts about sites and destinations, shared by every layer.

Pure data with no heavy imports: the spiders, the storage, the advisor and the
CLI all read it, and the `recommend` path must stay cheap to import.
Figures follow ../shared/reference/point-sites.md; where the reference marks a
figure as conflicting (⚠) the value here is only a default the user's config
can override (a site's point value: [point_values] in config.toml,
`pointexit.config.apply_point_values`; the other ⚠ figures are read from the
pages each crawl, or are wallet settings).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from pointexit.errors import UserError


@dataclass(frozen=True)
class ExpiryRule:
    """How a site's points lapse. `months` of inactivity counted from `since`
    (`days` instead, when the site counts in days: 「180日」 is not six months)."""

    months: int
    since: str  # "last_login", "last_earned", "last_activity", "point_age"
    wording: str
    days: int | None = None


@dataclass(frozen=True)
class Site:
    slug: str
    name: str  # Japanese display name, as the site calls itself
    base_url: str  # the real site; spiders take another one for offline runs
    yen_per_point: Fraction  # value of one site point in yen (exact)
    expiry: ExpiryRule | None
    intermediary: bool = False


@dataclass(frozen=True)
class Destination:
    slug: str
    label: str  # Japanese label shown to users
    # Yen value of one unit received. None: not money (miles); an intermediary's
    # unit is the value of that site's point.
    yen_per_unit: Fraction | None
    unit: str  # how amounts received are written: 円, pt, マネー, マイル
    via_site: str | None = None  # intermediaries are themselves sites


SITES: dict[str, Site] = {
    s.slug: s
    for s in (
        Site("hapitas", "ハピタス", "https://hapitas.jp", Fraction(1),
             ExpiryRule(12, "last_login", "12ヶ月間ログインがない場合")),
        Site("moppy", "モッピー", "https://pc.moppy.jp", Fraction(1),
             ExpiryRule(6, "last_activity", "最終ログインまたはポイント獲得から180日", days=180)),
        Site("gendama", "げん玉", "https://www.gendama.jp", Fraction(1, 10),
             ExpiryRule(6, "last_activity", "最終利用から180日", days=180)),
        Site("pointincome", "ポイントインカム", "https://pointi.jp", Fraction(1, 10),
             ExpiryRule(6, "last_login", "最終ログインから180日", days=180)),
        Site("ecnavi", "ECナビ", "https://ecnavi.jp", Fraction(1, 10),
             ExpiryRule(12, "point_age", "獲得から1年経過したポイントは3ヶ月ごとに失効")),
        Site("pointtown", "ポイントタウン", "https://www.pointtown.com", Fraction(1, 20),
             ExpiryRule(12, "last_earned", "最終ポイント獲得から12ヶ月")),
        Site("chobirich", "ちょびリッチ", "https://www.chobirich.com", Fraction(1, 2),
             ExpiryRule(12, "last_activity", "最終ポイント獲得または交換から1年")),
        Site("lifemedia", "ライフメディア", "https://lifemedia.jp", Fraction(1),
             ExpiryRule(12, "last_activity", "最終ポイント獲得または交換から1年")),
        # ⚠ Warau's point value: 1 pt = ¥0.1 in 2017 reports, ¥1 by 2025. Its
        # spider checks the page's own statement (「1pt＝1円相当」) against this on
        # every crawl and flags a mismatch (stat pointexit/point_value_mismatch);
        # [point_values] warau = "0.1" in config.toml sets the other value.
        Site("warau", "ワラウ", "https://www.warau.jp", Fraction(1),
             ExpiryRule(12, "last_activity", "最終利用から1年")),
        Site("rakuten_rebates", "楽天リーベイツ", "https://www.rebates.jp", Fraction(1), None),
        Site("dotmoney", "ドットマネー", "https://d-money.jp", Fraction(1),
             ExpiryRule(6, "point_age", "獲得から6ヶ月"), intermediary=True),
        Site("pex", "PeX", "https://pex.jp", Fraction(1, 10),
             ExpiryRule(12, "last_activity", "最終利用から1年"), intermediary=True),
    )
}

DESTINATIONS: dict[str, Destination] = {
    d.slug: d
    for d in (
        Destination("amazon_gift", "Amazonギフトカード", Fraction(1), "円"),
        Destination("bank", "現金(銀行振込)", Fraction(1), "円"),
        Destination("rakuten_point", "楽天ポイント", Fraction(1), "pt"),
        Destination("paypay", "PayPayポイント", Fraction(1), "pt"),
        Destination("d_point", "dポイント", Fraction(1), "pt"),
        Destination("waon", "WAONポイント", Fraction(1), "pt"),
        Destination("dotmoney", "ドットマネー", SITES["dotmoney"].yen_per_point, "マネー",
                    via_site="dotmoney"),
        Destination("pex", "PeX", SITES["pex"].yen_per_point, "PeXポイント", via_site="pex"),
        Destination("jal_mile", "JALマイル", None, "マイル"),
    )
}

# Order in which destinations are compared and shown (Amazon first).
DESTINATION_ORDER = list(DESTINATIONS)


class UnknownSite(UserError):
    pass


# A site's own point unit where it is not plain "pt".
POINT_UNITS = {"dotmoney": "マネー", "pex": "PeXポイント"}


def point_unit(slug: str) -> str:
    """How the site's own points are written: 297マネー, not 297pt."""
    return POINT_UNITS.get(slug, "pt")


def set_point_values(values: dict[str, Fraction]) -> None:
    """Yen per point of these sites from now on in this process (the user's
    [point_values], `pointexit.config.apply_point_values`)."""
    from dataclasses import replace

    for slug, value in values.items():
        SITES[slug] = replace(SITES[slug], yen_per_point=value)


def point_values() -> dict[str, str]:
    """Every site's yen per point as text ("1/20"), for a child process to set."""
    return {slug: str(s.yen_per_point) for slug, s in SITES.items()}


def site_name(slug: str) -> str:
    """The site's Japanese name; a slug the catalog does not know (another
    writer's database) as written."""
    return SITES[slug].name if slug in SITES else slug


def site(slug: str) -> Site:
    try:
        return SITES[slug]
    except KeyError:
        raise UnknownSite(f"unknown site {slug!r}; known: {', '.join(sorted(SITES))}") from None
