"""The world: counties, townships and villages with their people and staff.

Why a separate, separately seeded generator: every replication and every
scenario compared with the same seed must see the *same* villages, so the
world depends only on ``world.seed`` and the world parameters, never on the
replication's streams. A user with real village data passes ``villages_csv``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.scenario.keypaths import read_data_bytes
from sim.scenario.params import CadreRule, ModelParams, WorkerParams, WorldParams

VILLAGE_COLUMNS = [
    "village_id",
    "county",
    "county_index",
    "township",
    "township_index",
    "kind",
    "population",
    "households",
    "vulnerable_households",
    "cadres",
    "team_members",
    "travel_minutes",
]


@dataclass(frozen=True)
class World:
    """Villages and townships as tables (one row each); counties index the shards."""

    villages: pd.DataFrame
    townships: pd.DataFrame
    counties: list[str]

    def county_villages(self, county_index: int) -> pd.DataFrame:
        return self.villages[self.villages["county_index"] == county_index]

    def county_townships(self, county_index: int) -> pd.DataFrame:
        return self.townships[self.townships["county_index"] == county_index]


def read_counties(ref: str) -> pd.DataFrame:
    """The county table, from the package (``builtin:NAME``) or a path."""
    return pd.read_csv(io.BytesIO(read_data_bytes(ref)))


def build_world(params: ModelParams) -> World:
    """Generate (or read) the villages, staff them and their townships, then select and replicate.

    City-wide totals (5,147 team members, 973 township posts) are distributed over
    the whole city first, so a run restricted to some counties gets their share,
    not the whole city's; ``size_multiplier`` copies the staffed city.
    """
    wp = params.world
    counties = read_counties(wp.counties_csv).reset_index(drop=True)
    if wp.counties is not None:
        unknown = sorted(set(wp.counties) - set(counties["county"]))
        if unknown:
            raise ValueError(f"world.counties: unknown counties {unknown}; known: {list(counties['county'])}")
    if wp.villages_csv is not None:
        villages = _read_villages(Path(wp.villages_csv), list(counties["county"]))
    else:
        villages = _generate_villages(counties, params)
    villages = _staff_villages(villages, params)
    townships = _staff_townships(villages, params)
    names = list(counties["county"]) if wp.counties is None else [c for c in counties["county"] if c in wp.counties]
    villages = villages[villages["county"].isin(names)]
    townships = townships[townships["county"].isin(names)]
    return _replicate(villages, townships, names, wp.size_multiplier)


def shard_name(county: str, copy: int) -> str:
    """Name of county ``county`` in copy ``copy`` of the city (``size_multiplier``): 'Malong', 'Malong#1', ..."""
    return county + (f"#{copy}" if copy else "")


def _replicate(villages: pd.DataFrame, townships: pd.DataFrame, names: list[str], k: int) -> World:
    """k copies of the selected counties (copy j's counties are named 'County#j'); indices renumbered."""
    all_names = [shard_name(n, j) for j in range(k) for n in names]
    index = {n: i for i, n in enumerate(all_names)}
    v_frames, t_frames = [], []
    t_offset = 0
    for j in range(k):
        suffix = f"#{j}" if j else ""
        v = villages.assign(county=villages["county"] + suffix)
        t = townships.assign(county=townships["county"] + suffix)
        codes = {old: t_offset + i for i, old in enumerate(t["township_index"])}
        v = v.assign(township_index=v["township_index"].map(codes), township=v["township"] + suffix)
        t = t.assign(township_index=t["township_index"].map(codes), township=t["township"] + suffix)
        t_offset += len(t)
        v_frames.append(v)
        t_frames.append(t)
    v = pd.concat(v_frames, ignore_index=True)
    t = pd.concat(t_frames, ignore_index=True)
    v["county_index"] = v["county"].map(index)
    t["county_index"] = t["county"].map(index)
    v["village_id"] = np.arange(len(v))
    return World(villages=v[VILLAGE_COLUMNS], townships=t, counties=all_names)


# ----------------------------------------------------------------- generation


def _generate_villages(counties: pd.DataFrame, params: ModelParams) -> pd.DataFrame:
    """Each county's villages: urban or rural, their sizes, township and travel time (one stream, county by county)."""
    wp = params.world
    rng = np.random.default_rng(wp.seed)
    mean_area_per_unit = float(counties["area_km2"].sum() / counties["villages_and_communities"].sum())
    frames = []
    for ci, row in counties.iterrows():
        kinds, population = _village_sizes(rng, row, wp)
        township_names, township_of = _assign_townships(row, kinds)
        frames.append(
            pd.DataFrame(
                {
                    "county": row["county"],
                    "county_index": ci,
                    "township": [township_names[t] for t in township_of],
                    "kind": kinds,
                    "population": population,
                    "travel_minutes": _travel_minutes(rng, row, kinds, wp, mean_area_per_unit),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _village_sizes(rng: np.random.Generator, row: pd.Series, wp: WorldParams) -> tuple[list[str], np.ndarray]:
    """The county's urban communities (by urbanisation) then rural villages, with populations summing to its own."""
    n = int(row["villages_and_communities"])
    pop = float(row["population_2020"])
    urbanisation = row.get("urbanisation")
    urb = float(urbanisation) if pd.notna(urbanisation) else wp.default_urbanisation
    n_urban = int(round(min(urb * pop / wp.urban_community_mean_population, wp.max_urban_unit_share * n)))
    n_rural = n - n_urban
    sizes = np.concatenate(
        [
            _skewed_sizes(rng, n_urban, urb * pop, wp.population_cv),
            _skewed_sizes(rng, n_rural, (1 - urb) * pop if n_urban else pop, wp.population_cv),
        ]
    )
    if n_urban == 0 or n_rural == 0:
        sizes = sizes * pop / sizes.sum()
    return ["urban"] * n_urban + ["rural"] * n_rural, _round_preserving_sum(sizes, int(pop))


def _travel_minutes(
    rng: np.random.Generator, row: pd.Series, kinds: list[str], wp: WorldParams, mean_area_per_unit: float
) -> np.ndarray:
    """Travel minutes of a household visit: urban flat, rural growing with the county's area per village."""
    n = len(kinds)
    area_factor = np.sqrt(float(row["area_km2"]) / n / mean_area_per_unit)
    cv2 = np.log1p(wp.travel.dispersion_cv**2)
    noise = rng.lognormal(-0.5 * cv2, np.sqrt(cv2), size=n)
    base = np.where(
        np.array(kinds) == "urban",
        wp.travel.urban_visit_travel_minutes,
        wp.travel.rural_visit_travel_minutes * area_factor,
    )
    return base * noise


def _skewed_sizes(rng: np.random.Generator, n: int, total: float, cv: float) -> np.ndarray:
    """n right-skewed sizes summing to total (lognormal shape)."""
    if n == 0:
        return np.zeros(0)
    sigma = np.sqrt(np.log1p(cv * cv))
    raw = rng.lognormal(0.0, sigma, size=n)
    return raw / raw.sum() * total


def _round_preserving_sum(x: np.ndarray, total: int) -> np.ndarray:
    """Integers close to x that sum exactly to total (largest remainder)."""
    x = np.asarray(x, dtype=float)
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    x = x * total / x.sum() if x.sum() > 0 else np.full(len(x), total / len(x))
    base = np.floor(x).astype(np.int64)
    short = total - int(base.sum())
    order = np.argsort(-(x - base), kind="stable")
    base[order[:short]] += 1
    return base


def _assign_townships(row: pd.Series, kinds: list[str]) -> tuple[list[str], list[int]]:
    """Urban communities go to streets, villages to towns and xiang, round robin."""
    n_streets, n_towns, n_xiang = int(row["streets"]), int(row["towns"]), int(row["xiang"])
    names = (
        [f"{row['county']}-street-{i + 1}" for i in range(n_streets)]
        + [f"{row['county']}-town-{i + 1}" for i in range(n_towns)]
        + [f"{row['county']}-xiang-{i + 1}" for i in range(n_xiang)]
    )
    if not names:
        names = [f"{row['county']}-township-1"]
    streets = list(range(n_streets)) or list(range(len(names)))
    rural = list(range(n_streets, len(names))) or list(range(len(names)))
    of, iu, ir = [], 0, 0
    for kind in kinds:
        if kind == "urban":
            of.append(streets[iu % len(streets)])
            iu += 1
        else:
            of.append(rural[ir % len(rural)])
            ir += 1
    return names, of


def _read_villages(path: Path, counties: list[str]) -> pd.DataFrame:
    table = pd.read_csv(path)
    missing = {"county", "township", "kind", "population"} - set(table.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    bad_kind = set(table["kind"]) - {"rural", "urban"}
    if bad_kind:
        raise ValueError(f"{path}: column 'kind' must be 'rural' or 'urban', found {sorted(bad_kind)}")
    index = {name: i for i, name in enumerate(counties)}
    table = table[table["county"].isin(index)].copy()
    table["county_index"] = table["county"].map(index)
    if "travel_minutes" not in table:
        table["travel_minutes"] = np.where(table["kind"] == "urban", 3.0, 20.0)
    return table.sort_values(["county_index"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------- staff


def _cadres(rule: CadreRule, population: np.ndarray, multiplier: float) -> np.ndarray:
    raw = np.clip(np.round(rule.base + rule.per_1000_residents * population / 1000.0), rule.minimum, rule.maximum)
    return np.round(raw * multiplier).astype(np.int64)


def _staff_villages(v: pd.DataFrame, params: ModelParams) -> pd.DataFrame:
    wp, workers = params.world, params.workers
    v = v.copy()
    pop = v["population"].to_numpy(dtype=float)
    if "households" not in v:
        v["households"] = np.maximum(1, np.round(pop / wp.persons_per_household)).astype(np.int64)
    if "vulnerable_households" not in v:
        v["vulnerable_households"] = np.round(v["households"] * wp.vulnerable_household_share).astype(np.int64)
    if "cadres" not in v:
        v["cadres"] = _village_cadres(workers, v["kind"].to_numpy() == "urban", pop)
    v["cadres"] = v["cadres"] + workers.extra_workers_per_village
    if "team_members" not in v:
        team = workers.work_team
        v["team_members"] = _distribute_members(pop, team.members_total, team.members_per_village, team.min_per_village)
    v["village_id"] = np.arange(len(v))
    codes = {name: i for i, name in enumerate(dict.fromkeys(v["township"]))}
    v["township_index"] = v["township"].map(codes).astype(np.int64)
    return v[VILLAGE_COLUMNS].reset_index(drop=True)


def _village_cadres(workers: WorkerParams, urban: np.ndarray, pop: np.ndarray) -> np.ndarray:
    """Cadres by the urban or rural staffing rule, before the reform's extra workers."""
    return np.where(
        urban,
        _cadres(workers.urban_cadres, pop, workers.cadre_multiplier),
        _cadres(workers.rural_cadres, pop, workers.cadre_multiplier),
    )


def _distribute_members(pop: np.ndarray, total: int, per_village: int | None, floor: int) -> np.ndarray:
    """Work-team members by population, with a floor per village while the total allows."""
    n = len(pop)
    if per_village is not None:
        return np.full(n, per_village, dtype=np.int64)
    if total == 0 or n == 0:
        return np.zeros(n, dtype=np.int64)
    base = np.full(n, floor if total >= floor * n else 0, dtype=np.int64)
    rest = total - int(base.sum())
    return base + _round_preserving_sum(pop, rest) if rest > 0 else base


def _staff_townships(v: pd.DataFrame, params: ModelParams) -> pd.DataFrame:
    """Township posts before and after the reform's reallocation, and the staff serving escalations.

    Before: ``posts_base`` each (administrative + institutional). The reform (article): the
    ``added_posts_total`` institutional posts move *down* to townships, split by population (or
    equally); administrative posts are raised to ``min_administrative_posts``; a county whose
    township posts fall short of ``min_share_of_county_posts`` of its total establishment gets the
    shortfall, split by township population. No township ever loses posts.
    """
    tp = params.township
    t = (
        v.groupby("township_index", sort=True)
        .agg(
            township=("township", "first"),
            county=("county", "first"),
            county_index=("county_index", "first"),
            population=("population", "sum"),
            villages=("village_id", "count"),
        )
        .reset_index()
    )
    pop = t["population"].to_numpy(dtype=float)
    t["administrative_posts_before"] = tp.administrative_posts_base
    t["institutional_posts_before"] = tp.posts_base - tp.administrative_posts_base
    t["posts_before"] = float(tp.posts_base)
    weights = pop if tp.allocation == "population" else np.ones(len(t))
    added = tp.added_posts_total * weights / weights.sum() if weights.sum() > 0 else np.zeros(len(t))
    administrative = np.maximum(t["administrative_posts_before"].to_numpy(dtype=float), tp.min_administrative_posts)
    institutional = t["institutional_posts_before"].to_numpy(dtype=float) + added
    floor_added = _county_floor(
        t, administrative + institutional, tp.min_share_of_county_posts, tp.county_posts_per_1000_residents
    )
    t["added_posts"] = added
    t["administrative_floor_added"] = administrative - t["administrative_posts_before"].to_numpy(dtype=float)
    t["county_floor_added"] = floor_added
    t["administrative_posts"] = administrative
    t["institutional_posts"] = institutional + floor_added
    t["posts"] = t["administrative_posts"] + t["institutional_posts"]
    t["service_staff"] = np.maximum(1, np.round(t["posts"] * tp.service_share)).astype(np.int64)
    t["enforcement_staff"] = np.maximum(1, int(round(tp.enforcement_team_size)))
    return t


def _county_floor(t: pd.DataFrame, posts: np.ndarray, share: float, per_1000: float) -> np.ndarray:
    """Posts each township gets so that its county's township posts reach ``share`` of the county total."""
    extra = np.zeros(len(t))
    if share <= 0:
        return extra
    for _, rows in t.groupby("county_index").indices.items():
        county_population = float(t["population"].to_numpy()[rows].sum())
        required = share * per_1000 * county_population / 1000.0
        shortfall = required - float(posts[rows].sum())
        if shortfall > 0:
            pop = t["population"].to_numpy(dtype=float)[rows]
            extra[rows] = shortfall * pop / pop.sum()
    return extra
