"""Household visits (走访): who is due, and how a day's free time is spent.

Why counters instead of one record per household: with visits to the most
overdue household first (round robin within a class), the households visited
in the last N days are exactly min(households, visits in the last N days), so
a ring buffer of daily counts per class is an exact, cheap ledger of every
household's last-visit time.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Final

#: Days before a campaign whose visits give the pre-campaign level.
PRE_CAMPAIGN_DAYS: Final = 7


class DayRing:
    """Daily counts over the last ``length`` days with a running sum."""

    __slots__ = ("counts", "total")

    def __init__(self, length: int, fill: float) -> None:
        self.counts: deque[float] = deque([fill] * length, maxlen=length)
        self.total = fill * length

    def kept(self) -> float:
        """Visits that stay in the window after today's push (the oldest day drops out)."""
        return self.total - self.counts[0] if self.counts.maxlen else self.total

    def push(self, value: float) -> None:
        if self.counts.maxlen:
            self.total -= self.counts[0]
        self.counts.append(value)
        self.total += value


class VisitBook:
    """One village's visit state; the day's capacity is allocated by priority.

    Order: an active survey campaign, vulnerable households due (monthly),
    ordinary households due (twice a year), then proactive visits to any
    household not seen within ``min_revisit_days``. The starting state is
    "caught up": every household visited once per interval before day 0.
    """

    __slots__ = (
        "all_ring",
        "campaign_done_day",
        "campaign_end",
        "campaign_left",
        "campaign_peak",
        "campaign_start",
        "campaign_vulnerable",
        "households",
        "ord_ring",
        "ordinary",
        "pre_campaign_visits",
        "vul_ring",
        "vulnerable",
    )

    def __init__(
        self, households: int, vulnerable: int, vulnerable_days: float, ordinary_days: float, revisit_days: float
    ) -> None:
        self.households = households
        self.vulnerable = vulnerable
        self.ordinary = households - vulnerable
        vd, od, rd = (max(1, int(round(x))) for x in (vulnerable_days, ordinary_days, revisit_days))
        self.vul_ring = DayRing(vd, vulnerable / vd)
        self.ord_ring = DayRing(od, self.ordinary / od)
        self.all_ring = DayRing(rd, vulnerable / vd + self.ordinary / od)
        self.campaign_start = math.inf
        self.campaign_end = math.inf
        self.campaign_left = 0
        self.campaign_done_day = math.nan
        self.campaign_peak = 0
        self.campaign_vulnerable = True
        self.pre_campaign_visits: list[int] = []  # visits on the week's days before the campaign starts

    def start_campaign(self, start_day: float, days: float, target: int, vulnerable: bool) -> None:
        self.campaign_start = start_day
        self.campaign_end = start_day + days
        self.campaign_left = target
        self.campaign_vulnerable = vulnerable
        if target == 0:
            self.campaign_done_day = 0.0

    def allocate(self, day: int, capacity: int) -> int:
        """Spend up to ``capacity`` visits on day ``day``; returns visits made."""
        left = capacity
        vul = ordi = 0
        in_campaign = self.campaign_start <= day and self.campaign_left > 0
        if in_campaign:
            take = min(left, self.campaign_left)
            self.campaign_left -= take
            left -= take
            if self.campaign_vulnerable:
                vul += take
            else:
                ordi += take
            if self.campaign_left == 0:
                self.campaign_done_day = day + 1 - self.campaign_start
        due_v = max(0, int(self.vulnerable - self.vul_ring.kept()) - vul)
        take = min(left, due_v)
        vul += take
        left -= take
        due_o = max(0, int(self.ordinary - self.ord_ring.kept()) - ordi)
        take = min(left, due_o)
        ordi += take
        left -= take
        spare = max(0, int(self.households - self.all_ring.kept()) - vul - ordi)
        take = min(left, spare)
        ordi += take
        self.vul_ring.push(vul)
        self.ord_ring.push(ordi)
        self.all_ring.push(vul + ordi)
        made = vul + ordi
        if in_campaign:  # the survey's own days: from its start until its last household is visited
            self.campaign_peak = max(self.campaign_peak, made)
        elif self.campaign_start - PRE_CAMPAIGN_DAYS <= day < self.campaign_start:
            self.pre_campaign_visits.append(made)
        return made

    def pre_campaign_visits_per_day(self) -> float:
        """Mean visits a day in the week before the campaign (the level the survey starts from)."""
        v = self.pre_campaign_visits
        return sum(v) / len(v) if v else math.nan

    def vulnerable_covered(self) -> float:
        """Vulnerable households visited within the last interval (round-robin exact)."""
        return min(float(self.vulnerable), self.vul_ring.total)
