"""The curated mechanism mutations that ``scripts/mutation_test.py`` seeds one at a time.

Each is a bug a modeller could plausibly make: a lever switched off, a rule inverted, a
capacity doubled, a measurement taken from the wrong place. ``find`` must occur exactly once in
``file`` (the tool refuses a stale entry), and ``replace`` is what the bug writes instead.
"""

from __future__ import annotations

from typing import NamedTuple


class Mutation(NamedTuple):
    name: str
    file: str
    find: str
    replace: str


M = Mutation
ESC, VIL, CAL, SHARD, WORLD = (
    "sim/model/escalation.py",
    "sim/model/village.py",
    "sim/model/calendar.py",
    "sim/model/shard.py",
    "sim/model/world.py",
)
POOL = "sim/model/staff_pool.py"
VINPUT = "sim/model/village_inputs.py"
ADMIN, DEMAND, OUT, METRICS = (
    "sim/model/admin_tasks.py",
    "sim/model/demand.py",
    "sim/model/outcomes.py",
    "sim/analysis/metrics.py",
)

MUTATIONS: list[Mutation] = [
    # power down
    M("delegation switched off", ESC, "self.delegated_share = min(1.0, ", "self.delegated_share = 0.0 * min(1.0, "),
    M(
        "whistle inverted",
        ESC,
        "if float(row[U_WHISTLE]) >= dp.on_time_response_probability:",
        "if float(row[U_WHISTLE]) < dp.on_time_response_probability:",
    ),
    M(
        "one-thing modules switched off",
        ESC,
        "self.module_share = min(1.0, ot.modules * ot.coverage_per_module)",
        "self.module_share = 0.0",
    ),
    M(
        "module hand-offs counted per department",
        ESC,
        "            self.trips[self.i] += 1  # a rework pass brings the resident back once\n"
        "        self.handoffs[self.i] += 1",
        "            self.trips[self.i] += 1  # a rework pass brings the resident back once\n"
        "        self.handoffs[self.i] += len(self.depts)",
    ),
    M(
        "rework switched off",
        ESC,
        "rework_p = st.p.departments.rework_probability if self.route[self.i] == ROUTE_CROSS",
        "rework_p = 0.0 if self.route[self.i] == ROUTE_CROSS",
    ),
    M(
        "township approval wait ignored",
        ESC,
        "self.wait(self.stage.township_latency(self.draw()), self._finish)",
        "self.wait(0.0 * self.stage.township_latency(self.draw()), self._finish)",
    ),
    # offices and urgency downstream
    M(
        "urgent requests queued as routine downstream",
        POOL,
        "(self.urgent if urgent else self.routine).append((work, then))",
        "self.routine.append((work, then))",
    ),
    M(
        "urgent procedures as slow as routine ones",
        ESC,
        "self.stage.working_days(days * self.factor, then)",
        "self.stage.working_days(days, then)",
    ),
    M(
        "township capacity doubled",
        WORLD,
        't["service_staff"] = np.maximum(1, np.round(t["posts"] * tp.service_share))',
        't["service_staff"] = 2 * np.maximum(1, np.round(t["posts"] * tp.service_share))',
    ),
    M(
        "department capacity doubled",
        ESC,
        "return max(1, int(round(dept.staff_per_county",
        "return 2 * max(1, int(round(dept.staff_per_county",
    ),
    M(
        "office coping switched off",
        POOL,
        "self.extra_max = int(round(coping.max_extra_staff_ratio * self.servers))",
        "self.extra_max = 0",
    ),
    # staff down
    M(
        "county 12 % floor removed",
        WORLD,
        "    if share <= 0:\n        return extra",
        "    if True:\n        return extra",
    ),
    M(
        "administrative floor removed",
        WORLD,
        'administrative = np.maximum(t["administrative_posts_before"].to_numpy(dtype=float), tp.min_administrative_posts)',
        'administrative = t["administrative_posts_before"].to_numpy(dtype=float)',
    ),
    M(
        "moved posts split equally instead of by population",
        WORLD,
        'weights = pop if tp.allocation == "population" else np.ones(len(t))',
        "weights = np.ones(len(t))",
    ),
    M(
        "work-team availability ignored",
        VINPUT,
        "cal.member_calendar(plan, team.availability, ",
        "cal.member_calendar(plan, 1.0, ",
    ),
    M(
        "work-team ramp-up ignored",
        VINPUT,
        "arrivals = roster.random(n_members) * team.ramp_up_days",
        "arrivals = roster.random(n_members) * 0.0",
    ),
    # village
    M("on-call delay set to 0", VINPUT, "on_call_delay=params.workers.duty.on_call_delay_hours", "on_call_delay=0.0"),
    M(
        "urgent requests queued as routine in the village",
        VIL,
        "            self.urgent_q.append(i)",
        "            self.routine_q.append(i)",
    ),
    M(
        "admin due-soon priority switched off",
        VIL,
        'elif self.admin_q and (activity == "admin" or self.admin_q[0][0] - now <= self.s.due_soon_hours):',
        'elif self.admin_q and activity == "admin":',
    ),
    M(
        "village overtime switched off",
        VINPUT,
        "overtime_hours=0.0 if verification else params.workers.duty.overtime_hours_per_day",
        "overtime_hours=0.0",
    ),
    M(
        "last-in first-out at the village",
        VIL,
        "                    return self.routine_q.popleft()",
        "                    return self.routine_q.pop()",
    ),
    M(
        "follow-up days ignored",
        SHARD,
        'resolution = req["village_done"].to_numpy() + req["follow_up"].to_numpy()',
        'resolution = req["village_done"].to_numpy() + 0.0',
    ),
    M(
        "escalation probability of the type ignored",
        DEMAND,
        "escalate = u_escalate < p_escalate",
        "escalate = u_escalate < 0.3",
    ),
    M("seasonal factors not normalised", DEMAND, "    season_year /= season_year.mean()\n", ""),
    M(
        "weekend roster: every cadre on duty",
        CAL,
        "        present.append(on)\n        weekend_slot += 1",
        "        present.append(True)\n        weekend_slot += 1",
    ),
    M(
        "lunch break ignored by running jobs",
        CAL,
        "                if in_period(x, s, e):\n                    if x + work <= e:\n                        return t + work",
        "                if in_period(x, s, e):\n                    if True:\n                        return t + work",
    ),
    M(
        "app time does not delay the first period",
        CAL,
        "    return Calendar(present, shift_start(plan.periods, apps_hours))\n\n\n"
        "@lru_cache(maxsize=4096)\ndef member_calendar",
        "    return Calendar(present, plan.periods)\n\n\n@lru_cache(maxsize=4096)\ndef member_calendar",
    ),
    M("visit travel not booked", VIL, "                led.travel += made * self.s.visit_travel_hours\n", ""),
    # burden down
    M(
        "admission list has no effect",
        ADMIN,
        "admitted_mark = admin.admission_blocked_share if admin.admission_list else 0.0",
        "admitted_mark = 0.0",
    ),
    M(
        "inspections retained has no effect",
        ADMIN,
        "        keep &= ~inspection | (u[:, 4] < admin.inspections_retained)\n",
        "",
    ),
    M(
        "temporary-task approval has no effect",
        ADMIN,
        "approved = u[:, 0] < (admin.temporary_approval_share if admin.temporary_tasks_need_approval else 1.0)",
        "approved = u[:, 0] < 1.0",
    ),
    M("signboard count ignored", ADMIN, "    count = admin.signboards_per_village\n", "    count = 20.0\n"),
    # measurement
    M(
        "no drain: requests stop being followed at the horizon",
        SHARD,
        "return Window(self.warmup_days * HOURS, self.days * HOURS, (self.days + self.drain_days) * HOURS)",
        "return Window(self.warmup_days * HOURS, self.days * HOURS, self.days * HOURS)",
    ),
    M(
        "percentiles ignore censoring",
        METRICS,
        'histogram_counts(hist, metric, mask), q, histogram_counts(hist, f"{metric}_censored", mask)',
        "histogram_counts(hist, metric, mask), q, None",
    ),
    M(
        "censored requests drop out of the mean",
        OUT,
        "resp_time = np.where(responded, fr - a, age)",
        "resp_time = np.where(responded, fr - a, 0.0)",
    ),
    M(
        "escalated requests stamped resolved when the village hands them on",
        SHARD,
        'resolution[esc_mask] = stage_out["resolved"]',
        "resolution[esc_mask] = done[esc_mask]",
    ),
    M(
        "queue length integral misses urgent requests",
        VIL,
        "self.ledger.queue_area += (len(self.urgent_q) + len(self.routine_q)) * (hi - lo)",
        "self.ledger.queue_area += len(self.routine_q) * (hi - lo)",
    ),
    M(
        "campaign peak read over the whole campaign window",
        "sim/model/visits.py",
        "        if in_campaign:  # the survey's own days",
        "        if in_campaign or self.campaign_start <= day < self.campaign_end:  # the survey's own days",
    ),
    M(
        "utilisation against coping capacity",
        "sim/analysis/stability.py",
        'q["capacity_h"] > 0, q["offered_h"] / q["capacity_h"], np.where(',
        'q["capacity_h"] > 0, q["offered_h"] / q["coping_capacity_h"], np.where(',
    ),
    M(
        "backlog trend never flags",
        "sim/analysis/stability.py",
        '(out["backlog_growth_low"] > 0)\n',
        '(out["backlog_growth_low"] > 1e18)\n',
    ),
    # warm start (issue 18)
    M(
        "inherited backlog never queued",
        VIL,
        "        for i in range(inherited):  # in arrival order",
        "        for i in range(0):  # in arrival order",
    ),
    M(
        "inherited office requests routed afresh",
        ESC,
        "        route = int(esc.forced_route[i]) if esc.forced_route is not None else -1\n",
        "        route = -1\n",
    ),
]
