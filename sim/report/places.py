"""Chinese names of Qujing's counties and of the model's townships, for Chinese reports.

Why from ``sim/data``: the county table already carries each county's Chinese
name (``county_zh``), so a Chinese report names 马龙区 where the English one
names Malong, with one source for both. The model's townships are synthetic
(``Malong-street-1``: the county's first street office); they have no real
name to look up, so they are translated by their parts (county, kind, number)
and any other name is kept as it is. The scenario schema has one (English)
description field, so the bundled scenarios' descriptions are translated here,
keyed by their English text: an edited description shows as written.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sim.model.world import read_counties

COUNTIES_CSV = "builtin:qujing_counties.csv"
#: Kinds of township in the model's township names, in Chinese.
TOWNSHIP_KINDS = {"street": "街道", "town": "镇", "xiang": "乡", "township": "乡镇"}
_TOWNSHIP = re.compile(r"^(?P<county>.+)-(?P<kind>street|town|xiang|township)-(?P<n>\d+)$")


@lru_cache(maxsize=4)
def county_names(counties_csv: str = COUNTIES_CSV) -> dict[str, str]:
    """English county name → Chinese name, from a county table (the bundled one by default).

    A table without ``county_zh`` (a user's own) maps each county to itself; the report and the
    web explorer both read names here.
    """
    table = read_counties(counties_csv)
    if "county_zh" not in table:
        return {c: c for c in table["county"]}
    return {c: z for c, z in zip(table["county"], table["county_zh"], strict=True) if isinstance(z, str) and z}


def place_zh(name: str) -> str | None:
    """The Chinese name of a county or model township, or None when there is no mapping."""
    counties = county_names()
    if name in counties:
        return counties[name]
    return _township_zh(name, counties)


def _township_zh(name: str, counties: dict[str, str]) -> str | None:
    """A model township's Chinese name from its county's and its kind's (``Qilin-street-3`` -> 麒麟区街道3)."""
    m = _TOWNSHIP.match(name)
    if m and m["county"] in counties:
        return f"{counties[m['county']]}{TOWNSHIP_KINDS[m['kind']]}{m['n']}"
    return None


def place(name: str, lang: str) -> str:
    """``name`` as a reader of ``lang`` should see it (unchanged in English or without a mapping)."""
    return (place_zh(name) or name) if lang == "zh" else name


#: Chinese descriptions of the bundled scenarios, keyed by their English description (the schema has
#: one description field): a Chinese report shows the translation when the description is unchanged.
DESCRIPTIONS_ZH: dict[str, str] = {
    "Qujing 2021, before the reform (staff, burden and powers as they were)": (
        "曲靖2021年改革前（人员、负担和权力维持原状）"
    ),
    "Staff down (干部往下沉): 5,147 work-team members in the 1,688 villages; +973 township posts by population": (
        "干部往下沉：1,688个村（社区）派驻5,147名工作队员；按人口新增973个乡镇编制"
    ),
    "Burden down (负担往下减): about 10 signboards fewer per village; 13-category / 43-item admission list": (
        "负担往下减：每个村（社区）减少约10块牌子；实行13类43项村级工作准入清单"
    ),
    "Power down (权力往下放): 26 items delegated to townships; 10 'one thing' modules; 50/50 assessment": (
        "权力往下放：26项事权下放乡镇；10个“一件事”模块；考核权重各占50%"
    ),
    "Qujing's 2022 reform: staff down + burden down + power down": "曲靖2022年改革：干部往下沉＋负担往下减＋权力往下放",
    "M/M/5 at utilisation 0.8 (Erlang C verification)": "M/M/5 排队模型，负荷率0.8（Erlang C 验证）",
    "Township service pool as M/M/3 at utilisation 0.8 (Erlang C verification of the county stage)": (
        "乡镇办理力量按 M/M/3 排队模型，负荷率0.8（县级阶段的 Erlang C 验证）"
    ),
    "Chaoyang community, Luliang — survey campaign of elderly living alone (article)": (
        "陆良县朝阳社区——独居老人摸排走访专项行动（据报道）"
    ),
}


def description(text: object, lang: str = "en") -> str:
    """A scenario description in ``lang``: the Chinese translation where one is given, else as written."""
    value = "" if text is None else str(text)
    return DESCRIPTIONS_ZH.get(value, value) if lang == "zh" else value


def places_text() -> str:
    """Every Chinese character these names and descriptions use (for the font-coverage test)."""
    return "".join(county_names().values()) + "".join(TOWNSHIP_KINDS.values()) + "".join(DESCRIPTIONS_ZH.values())
