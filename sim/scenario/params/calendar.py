"""The official calendar: statutory holidays and make-up working days (调休), off by default."""

from __future__ import annotations

from pydantic import Field

from sim.scenario.params.base import NonNegative, Strict


class CalendarParams(Strict):
    """Whether duty days and demand follow China's official holiday calendar.

    Why a switch that defaults to off: the plain Monday-Friday week is what every reference
    number was computed with; the official calendar (from the ``chinesecalendar`` package, the
    State Council's yearly notices) moves about a dozen working days a year and so changes
    results. When on, an official holiday is an off day (only the weekend duty roster works,
    offices are closed, no admin tasks arrive) and a make-up working day on a weekend is an
    ordinary working day for everyone.
    """

    official_holidays: bool = Field(
        False,
        description="Follow the official calendar (Spring Festival, Qingming, Labour Day, Dragon Boat, "
        "Mid-Autumn, National Day and the make-up working days) instead of a plain Monday-Friday week. "
        "Source: State Council holiday notices via the chinesecalendar package; its years bound the run.",
    )
    holiday_demand_factor: NonNegative = Field(
        0.5,
        description="Demand factor on an official holiday, in place of the weekday or weekend factor "
        "(assumption: like a weekend, DOMAIN §4's 0.5).",
    )
    makeup_workday_demand_factor: NonNegative = Field(
        1.2,
        description="Demand factor on a make-up working day (a Saturday or Sunday worked in lieu), in place of "
        "the weekend factor (assumption: like a weekday, DOMAIN §4's 1.2, since residents work that day too).",
    )
