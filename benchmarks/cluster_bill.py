"""What each paper-scale config would ask of a cluster, from Snakemake's own dry run: the jobs of
every rule family and the resources each job requests (threads, GPUs, memory, runtime), with
the total core-hours and GPU-hours requested, so the bill can be read before submitting.

    python benchmarks/cluster_bill.py                          # every config/*paper*.yaml
    python benchmarks/cluster_bill.py config/seed002_paper.yaml

Requests, not measurements: runtime and memory are the `resources` of the config (a fixed
part plus a part per thousand jets or events of the job, jettransfer.job_resources), which a
SLURM profile turns into --time, --mem and --gpus. A job's measured wall time and memory land
in results/benchmarks/ once it has run.
"""

from __future__ import annotations

import argparse
import glob
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_RULE = re.compile(r"^(?:local)?rule (\w+):$")
_FIELD = re.compile(r"(\w+)=([^,]+)")


def dry_run_jobs(config: str) -> list[tuple[str, dict[str, float]]]:
    """(rule, requested resources) of every job a dry run of `config` schedules (with cores enough
    that no rule's threads are capped to the machine's)."""
    snakemake = Path(sys.executable).with_name("snakemake")
    result = subprocess.run([str(snakemake), "--dry-run", "--cores", "1024", "--configfile", config], cwd=ROOT, capture_output=True,
                            text=True)
    if result.returncode != 0:
        raise SystemExit(f"{config}: the dry run failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    jobs, rule, fields = [], None, {}
    for line in result.stdout.splitlines():
        line = line.strip()
        if match := _RULE.match(line):
            if rule is not None:
                jobs.append((rule, fields))
            rule, fields = match.group(1), {"threads": 1.0}
        elif rule is not None and line.startswith("threads:"):
            fields["threads"] = float(line.split(":", 1)[1])
        elif rule is not None and line.startswith("resources:"):
            for key, value in _FIELD.findall(line.split(":", 1)[1]):
                if key in ("runtime", "mem_mb", "gpu"):
                    fields[key] = float(value)
    if rule is not None:
        jobs.append((rule, fields))
    return [(r, f) for r, f in jobs if r != "all"]


def bill(config: str) -> str:
    by_rule: dict[str, list[dict[str, float]]] = defaultdict(list)
    for rule, fields in dry_run_jobs(config):
        by_rule[rule].append(fields)
    lines = [f"{config}: {sum(map(len, by_rule.values()))} jobs",
             f"  {'rule':22s} {'jobs':>6s} {'threads':>8s} {'GPUs':>5s} {'memory GB':>13s} {'runtime min':>13s} "
             f"{'core-hours':>11s} {'GPU-hours':>10s}"]
    totals = [0.0, 0.0]
    for rule, jobs in sorted(by_rule.items(), key=lambda item: -len(item[1])):
        spread = lambda key, scale=1.0: (min(j.get(key, 0) for j in jobs) / scale,  # noqa: E731
                                         max(j.get(key, 0) for j in jobs) / scale)
        core_hours = sum(j["threads"] * j.get("runtime", 0) for j in jobs) / 60
        gpu_hours = sum(j.get("gpu", 0) * j.get("runtime", 0) for j in jobs) / 60
        totals[0] += core_hours
        totals[1] += gpu_hours
        cell = lambda pair, digits: (f"{pair[0]:.{digits}f}" if pair[0] == pair[1]  # noqa: E731
                                     else f"{pair[0]:.{digits}f}-{pair[1]:.{digits}f}")
        lines.append(f"  {rule:22s} {len(jobs):6d} {cell(spread('threads'), 0):>8s} {cell(spread('gpu'), 0):>5s} "
                     f"{cell(spread('mem_mb', 1000), 1):>13s} {cell(spread('runtime'), 0):>13s} {core_hours:11.1f} "
                     f"{gpu_hours:10.1f}")
    lines.append(f"  {'total':22s} {'':6s} {'':8s} {'':5s} {'':13s} {'':13s} {totals[0]:11.1f} {totals[1]:10.1f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("configs", nargs="*", help="default: every config/*paper*.yaml")
    args = parser.parse_args()
    configs = args.configs or sorted(str(Path(p).relative_to(ROOT)) for p in glob.glob(str(ROOT / "config" / "*paper*.yaml")))
    for config in configs:
        print(bill(config), flush=True)


if __name__ == "__main__":
    main()
