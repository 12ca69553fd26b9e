"""A process's peak memory."""

from __future__ import annotations

import resource


def peak_resident_mb() -> float:
    """This process's peak resident set in MB: VmHWM where Linux has it. Not ru_maxrss there:
    Linux carries that over from the parent through fork and exec, so a job started by
    Snakemake (or a benchmark's child) would report its parent's peak when larger."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # elsewhere; Linux's unit (KiB)
