"""Household visits and survey campaigns."""

from __future__ import annotations

from pydantic import Field

from sim.scenario.params.base import NonNegative, Positive, Share, Strict


class CampaignParams(Strict):
    """A survey campaign: visit every target household within `days` from `start_day`."""

    start_day: NonNegative = Field(description="Simulated day the campaign starts.")
    days: Positive = Field(description="Days allowed to finish it.")
    target_share_of_households: Share | None = Field(
        None, description="Households to survey as a share of all; null means the vulnerable households."
    )


class VisitParams(Strict):
    visit_minutes: Positive = Field(
        15.0, description="Minutes per household visit, travel excluded (DOMAIN §6: 10-20)."
    )
    vulnerable_interval_days: Positive = Field(30.0, description="Vulnerable households are due monthly (DOMAIN §6).")
    ordinary_interval_days: Positive = Field(182.0, description="Ordinary households are due twice a year (DOMAIN §6).")
    min_revisit_days: Positive = Field(
        30.0, description="A household is not visited again sooner than this (caps proactive visits; assumption)."
    )
    campaign: CampaignParams | None = Field(None, description="Optional survey campaign.")
