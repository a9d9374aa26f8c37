"""The benchmark report: figures against the targets, printed and as JSON."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy
from bench_common import (
    ROOT,
    TARGET_CPU_US_PER_REQUEST,
    TARGET_FULL_CITY_WALL_S,
    TARGET_LOGLOG_EXPONENT,
    TARGET_PEAK_RSS_MB,
    TARGET_SWEEP_WALL_MIN,
    TARGET_VS_CIW,
    TARGET_VS_TEXTBOOK,
    fmt,
    mark,
)
from bench_scaling import predict

# ====================================================================== main


@dataclass
class Report:
    """Everything measured in one run; ``summary()`` is the JSON the issue asks for."""

    mode: str
    machine: dict[str, Any]
    ceiling: dict[str, Any] = field(default_factory=dict)
    model_rate: dict[str, Any] = field(default_factory=dict)
    scaling: dict[str, Any] = field(default_factory=dict)
    mmc: dict[str, Any] = field(default_factory=dict)
    engine: dict[str, Any] = field(default_factory=dict)  # the village loop measured (sim.native state)
    python_engine: dict[str, Any] = field(default_factory=dict)  # serial figures again with plain Python
    sweep: dict[str, Any] = field(default_factory=dict)  # the default Morris sweep, end to end (--sweep)
    elapsed_s: float = 0.0

    def full_city(self) -> tuple[float, bool, dict[str, Any]]:
        """Full-city year wall time: measured in full mode, extrapolated from the wall fit in quick mode."""
        whole = next(p for p in self.scaling["points"] if p["label"] == "1")
        if whole["days"] == 365:
            return whole["wall_s"], True, whole
        return predict(self.scaling["fits"]["cost"]["wall"], whole["villages"], 365), False, whole

    def callback_floor_us_per_request(self) -> float:
        """CPU per customer of the leanest SimPy design (callback M/M/5, same run): the floor per request."""
        return 1e6 / self.mmc["callback_simpy"]["customers_per_s"]

    def engines(self) -> dict[str, Any]:
        """The measured engine, and the Python engine's serial figures beside it (speed-ups as ratios)."""
        out: dict[str, Any] = {"engine": self.engine.get("engine", "python"), "engine_detail": self.engine}
        py = self.python_engine
        if py:
            us = py["model_rate"]["cpu_us_per_request"]
            out["python_engine_cpu_us_per_request"] = us
            out["python_engine_mmc_customers_per_s"] = py["mmc_customers_per_s"]
            out["native_speedup_per_request"] = us / self.model_rate["cpu_us_per_request"]
            out["native_speedup_mmc"] = self.mmc["model"]["customers_per_s"] / py["mmc_customers_per_s"]
        return out

    def summary(self) -> dict[str, Any]:
        wall, measured, whole = self.full_city()
        ceiling = self.ceiling["ceiling_events_per_s"]
        model = self.model_rate["events_per_s"]
        mmc = self.mmc["model"]["customers_per_s"]
        textbook = self.mmc["textbook_simpy"]["customers_per_s"]
        ciw = self.mmc["ciw"]["customers_per_s"] if self.mmc.get("ciw") else None
        return {
            "ceiling_events_per_s": ceiling,
            "model_events_per_s": model,
            "ratio_to_ceiling": model / ceiling,
            "model_cpu_us_per_request": self.model_rate["cpu_us_per_request"],
            "callback_floor_us_per_request": self.callback_floor_us_per_request(),
            "per_request_over_callback_floor": self.model_rate["cpu_us_per_request"]
            / self.callback_floor_us_per_request(),
            **self.engines(),
            "model_cpu_ms_per_village_year": self.model_rate["cpu_ms_per_village_year"],
            "full_city_year_wall_s": wall,
            "full_city_year_measured": measured,
            "full_city_days": whole["days"],
            "full_city_events": whole["events"],
            "full_city_events_per_cpu_s": whole["events"] / whole["cpu_s"],
            "peak_rss_mb": whole["peak_rss_worker_mb"],
            "peak_rss_measured_for_full_year": measured,
            "mmc_customers_per_s": mmc,
            "textbook_simpy_customers_per_s": textbook,
            "ciw_customers_per_s": ciw,
            "callback_simpy_customers_per_s": self.mmc["callback_simpy"]["customers_per_s"],
            "mmc_vs_textbook": mmc / textbook,
            "mmc_vs_ciw": mmc / ciw if ciw else None,
            "morris_sweep_wall_min": self.sweep["wall_s"] / 60.0 if self.sweep else None,
            "morris_sweep_as_shipped": bool(self.sweep.get("as_shipped")),
            "scaling": self.scaling,
            "targets": self.targets(),
        }

    def targets(self) -> list[dict[str, Any]]:
        wall, measured, whole = self.full_city()
        per_request = self.model_rate["cpu_us_per_request"]
        mmc = self.mmc["model"]["customers_per_s"]
        vs_text = mmc / self.mmc["textbook_simpy"]["customers_per_s"]
        vs_ciw = mmc / self.mmc["ciw"]["customers_per_s"] if self.mmc.get("ciw") else None
        peak = whole["peak_rss_worker_mb"]
        fits = self.scaling["fits"]
        in_villages = fits["villages"]["cpu"]["loglog_exponent"]
        in_days = fits["days"]["cpu"]["loglog_exponent"]

        def row(name: str, value: float | None, target: str, ok: bool | None) -> dict[str, Any]:
            return {"target": name, "value": value, "goal": target, "status": mark(ok)}

        return [
            row(
                "full city, 365 days, 1 replication, wall s",
                wall,
                f"<= {TARGET_FULL_CITY_WALL_S:g}",
                wall <= TARGET_FULL_CITY_WALL_S if measured else None,
            ),
            row(
                f"CPU per request, us ({self.engines()['engine']} engine)",
                per_request,
                f"<= {TARGET_CPU_US_PER_REQUEST:g}",
                per_request <= TARGET_CPU_US_PER_REQUEST,
            ),
            row("M/M/c model / textbook SimPy", vs_text, f">= {TARGET_VS_TEXTBOOK:g}", vs_text >= TARGET_VS_TEXTBOOK),
            row(
                "M/M/c model / Ciw",
                vs_ciw,
                f">= {TARGET_VS_CIW:g}",
                None if vs_ciw is None else vs_ciw >= TARGET_VS_CIW,
            ),
            row(
                "peak RSS per worker, full-city year, MB",
                peak,
                f"<= {TARGET_PEAK_RSS_MB:g}",
                peak <= TARGET_PEAK_RSS_MB if measured else None,
            ),
            row(
                "CPU cost log-log exponent in villages",
                in_villages,
                f"<= {TARGET_LOGLOG_EXPONENT:.2f}",
                in_villages <= TARGET_LOGLOG_EXPONENT,
            ),
            row(
                "CPU cost log-log exponent in days",
                in_days,
                f"<= {TARGET_LOGLOG_EXPONENT:.2f}",
                in_days <= TARGET_LOGLOG_EXPONENT,
            ),
            self._sweep_row(row),
        ]

    def _sweep_row(self, row: Callable[[str, float | None, str, bool | None], dict[str, Any]]) -> dict[str, Any]:
        """The Morris target: PASS/MISS only for the sweep as shipped; EST (not judged) otherwise."""
        name = "default Morris sweep as shipped, wall min"
        if not self.sweep:
            return row(name + " (not run: --sweep)", None, f"<= {TARGET_SWEEP_WALL_MIN:g}", None)
        minutes = self.sweep["wall_s"] / 60.0
        shipped = bool(self.sweep["as_shipped"])
        label = name if shipped else name + " (quick: one county, not the target)"
        return row(
            label, minutes, f"<= {TARGET_SWEEP_WALL_MIN:g}", minutes <= TARGET_SWEEP_WALL_MIN if shipped else None
        )


def machine_info() -> dict[str, Any]:
    """Where and on what the figures were measured (the model's code hash pins the model version)."""
    from sim.experiment.tasks import model_code_hash

    commit = (
        subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT, check=False
        ).stdout.strip()
        or None
    )
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "simpy": simpy.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
        "processor": platform.processor() or None,
        "loadavg_at_start": list(os.getloadavg()),
        "git_commit": commit,
        "model_code_hash": model_code_hash(),
        "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }


def print_report(rep: Report) -> None:
    """The benchmark's text report: the header, then one block per measurement, then the targets."""
    s = rep.summary()
    print(
        f"\n=== grassroots-sim benchmark ({rep.mode} mode, {rep.elapsed_s:.0f} s, "
        f"{rep.machine['cpus']} CPUs, load {rep.machine['loadavg_at_start'][0]:.2f} at start) ==="
    )
    _print_ceiling(rep)
    _print_model(rep, s)
    _print_scaling(rep)
    _print_mmc(rep)
    _print_sweep(rep)
    _print_targets(s)


def _print_sweep(rep: Report) -> None:
    w = rep.sweep
    if not w:
        return
    what = "as shipped" if w["as_shipped"] else "quick smoke version, one county (not the target)"
    print(f"\nDefault Morris sweep, {what}: {w['points']} points, {w['replication_rows']} replication rows")
    print(f"  wall {w['wall_s'] / 60:.2f} min, cpu {w['cpu_s'] / 60:.2f} min   ({w['command']})")


def _print_ceiling(rep: Report) -> None:
    c = rep.ceiling
    print("\nSimPy ceiling (events per CPU-second, median of repeats)")
    for k in ("one_process_timeouts", "ten_thousand_processes", "callback_timeouts"):
        print(f"  {k:<28} {fmt(c[k]['events_per_s']):>12}")


def _print_model(rep: Report, s: dict[str, Any]) -> None:
    m = rep.model_rate
    print(f"\nModel, serial run_shard on {'+'.join(m['subset'])} ({m['villages']} villages, {m['days']} days)")
    print(f"  events                       {fmt(m['events']):>12}")
    print(f"  events / CPU-s (whole shard) {fmt(m['events_per_s']):>12}   cpu {m['cpu_s']:.2f} s")
    print(
        f"  CPU by stage                 villages {m['village_stage_cpu_s']:.2f} s, "
        f"county stage {m['county_stage_cpu_s']:.2f} s, the rest (summaries) "
        f"{m['cpu_s'] - m['village_stage_cpu_s'] - m['county_stage_cpu_s']:.2f} s"
    )
    print(f"  ratio to ceiling (context)   {s['ratio_to_ceiling']:>12.3f}")
    print(
        f"  CPU per request              {m['cpu_us_per_request']:>12.1f} us   "
        f"({m['requests']:,.0f} requests; {m['cpu_ms_per_village_year']:.1f} ms per village-year)"
    )
    print(
        f"  callback-village floor       {s['callback_floor_us_per_request']:>12.1f} us per request "
        f"(model / floor {s['per_request_over_callback_floor']:.1f})"
    )
    print(f"  engine                       {s['engine']:>12}   ({rep.engine.get('reason', '')})")
    if "python_engine_cpu_us_per_request" in s:
        print(
            f"  Python engine, same run      {s['python_engine_cpu_us_per_request']:>12.1f} us per request "
            f"(native {s['native_speedup_per_request']:.2f}x faster; M/M/5 {s['native_speedup_mmc']:.2f}x)"
        )


def _print_scaling(rep: Report) -> None:
    print(
        "\nScaling (runner, local pool of "
        f"{rep.scaling['points'][0]['workers']} workers, 1 replication; fresh subprocess each)"
    )
    print(
        f"  {'size':>6} {'villages':>8} {'days':>5} {'village-days':>12} {'wall s':>8} {'cpu s':>8} {'par':>5} "
        f"{'bg cores':>8} {'events':>12} {'worker RSS MB':>13} {'coord RSS MB':>12}"
    )
    for p in rep.scaling["points"]:
        print(
            f"  {p['label']:>6} {p['villages']:>8} {p['days']:>5} {p['village_days']:>12,} {p['wall_s']:>8.1f} "
            f"{p['cpu_s']:>8.1f} {p['parallelism']:>5.2f} {p['background_cores']:>8.2f} {p['events']:>12,.0f} "
            f"{p['peak_rss_worker_mb']:>13.0f} {p['peak_rss_coordinator_mb']:>12.0f}"
        )
    fits = rep.scaling["fits"]
    for k in ("wall", "cpu"):
        v, d, c = fits["villages"][k], fits["days"][k], fits["cost"][k]
        print(
            f"  {k:>4}: {1e3 * v['slope']:.1f} ms/village at {rep.scaling['points'][0]['days']} days "
            f"(exponent {v['loglog_exponent']:.3f}, r2 {v['r2']:.4f}); "
            f"{1e3 * d['slope']:.1f} ms/day for the 1/8 city (exponent {d['loglog_exponent']:.3f}); "
            f"per village {1e3 * c['setup_s_per_village']:.2f} ms setup + "
            f"{1e6 * c['s_per_village_day']:.1f} us/day"
        )
    big = rep.scaling["points"][-1]
    print(
        f"  {big['label']} point vs the 1/8 city scaled up: wall {big['wall_s']:.1f} s measured, "
        f"{fits['ten_x_predicted_wall_s']:.1f} s predicted; cpu {big['cpu_s']:.1f} s measured, "
        f"{fits['ten_x_predicted_cpu_s']:.1f} s predicted (ratio {fits['ten_x_measured_over_predicted_cpu']:.2f})"
    )


def _print_mmc(rep: Report) -> None:
    mm = rep.mmc
    print(f"\nM/M/5 at rho 0.8, ~{mm['customers_target']:,} customers (customers per CPU-second, median)")
    for k in ("model", "textbook_simpy", "callback_simpy", "ciw"):
        e = mm.get(k)
        print(f"  {k:<16} {fmt(e['customers_per_s']) if e else 'not installed':>12}")
    if mm["model"]:
        print(f"  (model's village stage only: {fmt(mm['model']['customers_per_village_stage_s'])} customers/s)")


def _print_targets(s: dict[str, Any]) -> None:
    print("\nTargets")
    for t in s["targets"]:
        value = "n/a" if t["value"] is None else f"{t['value']:,.3f}"
        print(f"  {t['status']:<5} {t['target']:<44} {value:>12}   goal {t['goal']}")
    if not s["full_city_year_measured"]:
        print("  (quick mode: EST = extrapolated from the scaling fit, not measured; run full mode for the figure)")
