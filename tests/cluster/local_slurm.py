"""A real one-node SLURM cluster on localhost, for tests: munged, slurmctld and slurmd as root.

Everything the daemons write (config, state, spool, logs, pid files, the munge socket) lives in
one temporary folder; `SLURM_CONF` points the client commands (sbatch, squeue, scontrol) at it.
Snakemake's job steps drop SLURM_* variables before they call srun, so srun inside a job reads
the default /etc/slurm/slurm.conf: for the cluster's lifetime that is a link to our config (on a
machine that has no slurm.conf of its own; one that has is left alone and the tests skip).
The node advertises one GPU whose device file is a character device like /dev/null, so GPU
requests can be scheduled on a machine without a GPU. `stop()` kills every daemon and job.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd")
SYSTEM_CONF = Path("/etc/slurm/slurm.conf")
NODE = "localhost"
PARTITION = "jettransfer"


def unavailable_reason() -> str | None:
    """Why this machine cannot run the daemons, or None when it can."""
    missing = [name for name in (*DAEMONS, "sbatch", "squeue", "scontrol") if shutil.which(name) is None]
    if missing:
        return f"SLURM/munge programs not installed: {', '.join(missing)} (make slurm-deps installs them)"
    if os.geteuid() != 0:
        return "the SLURM daemons of the test cluster must run as root"
    if SYSTEM_CONF.exists():  # a dangling link left by a killed test run does not count
        return f"{SYSTEM_CONF} exists (a real SLURM installation); the test cluster does not replace it"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _memory_mb() -> int:
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return int(pages / 2**20 * 0.8)


class LocalSlurm:
    """Start with `start()`, use `env` for client commands, always `stop()` (a context manager)."""

    def __init__(self, root: Path, cpus: int | None = None):
        self.root = Path(root)
        self.cpus = cpus or os.cpu_count() or 1
        self.memory_mb = _memory_mb()
        self.conf = self.root / "etc" / "slurm.conf"
        self.env = {**os.environ, "SLURM_CONF": str(self.conf)}
        self._pid_files = {name: self.root / "run" / f"{name}.pid" for name in DAEMONS}

    # -- set-up --------------------------------------------------------------------------------
    def _write_files(self) -> None:
        for folder in ("etc", "run", "log", "state", "spool", "munge", "dev"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        os.chmod(self.root / "munge", 0o700)
        key = self.root / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        os.chmod(key, 0o400)
        gpu = self.root / "dev" / "fakegpu0"
        if not gpu.exists():
            os.mknod(gpu, 0o666 | 0o020000, os.makedev(1, 3))  # a character device, like /dev/null
        r = self.root
        self.conf.write_text(f"""\
ClusterName=jettransfer-test
SlurmctldHost={NODE}(127.0.0.1)
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={r}/munge/munge.socket
StateSaveLocation={r}/state
SlurmdSpoolDir={r}/spool
SlurmctldPidFile={self._pid_files['slurmctld']}
SlurmdPidFile={self._pid_files['slurmd']}
SlurmctldLogFile={r}/log/slurmctld.log
SlurmdLogFile={r}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
# Finished jobs stay visible to squeue (there is no slurmdbd for sacct).
MinJobAge=3600
GresTypes=gpu
NodeName={NODE} NodeAddr=127.0.0.1 CPUs={self.cpus} RealMemory={self.memory_mb} Gres=gpu:1 State=UNKNOWN
PartitionName={PARTITION} Nodes={NODE} Default=YES MaxTime=INFINITE State=UP
""")
        (self.root / "etc" / "gres.conf").write_text(f"NodeName={NODE} Name=gpu File={gpu}\n")
        SYSTEM_CONF.parent.mkdir(parents=True, exist_ok=True)
        if SYSTEM_CONF.is_symlink() and not SYSTEM_CONF.exists():
            SYSTEM_CONF.unlink()
        SYSTEM_CONF.symlink_to(self.conf)

    def _run_daemon(self, command: list[str]) -> None:
        result = subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} did not start: {result.stderr.strip()}\n{self.logs()}")

    def start(self, timeout: float = 60) -> "LocalSlurm":
        self._write_files()
        r = self.root
        self._run_daemon(["munged", "--force", f"--socket={r}/munge/munge.socket",
                          f"--key-file={r}/munge/munge.key", f"--pid-file={self._pid_files['munged']}",
                          f"--log-file={r}/log/munged.log", f"--seed-file={r}/munge/munged.seed"])
        self._run_daemon(["slurmctld"])
        self._run_daemon(["slurmd", "-N", NODE])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.client("sinfo", "-h", "-N", "-o", "%T", check=False).stdout.strip()
            if state in ("idle", "mixed", "allocated"):
                return self
            time.sleep(0.5)
        raise RuntimeError(f"the test node did not become idle within {timeout:.0f} s (state {state!r})\n{self.logs()}")

    # -- use -----------------------------------------------------------------------------------
    def client(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(list(command), env=self.env, capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {result.stderr.strip()}")
        return result

    def jobs(self) -> list[dict[str, str]]:
        """Every job the controller knows, finished ones included: id, name, comment, state, TRES."""
        fields = ("id", "name", "comment", "state", "tres")
        out = self.client("squeue", "-h", "-t", "all", "-o", "%i|%j|%k|%T|%b").stdout
        return [dict(zip(fields, line.split("|"))) for line in out.splitlines() if line.strip()]

    def job_details(self, job_id: str) -> str:
        return self.client("scontrol", "show", "job", job_id).stdout

    def logs(self) -> str:
        parts = []
        for log in sorted((self.root / "log").glob("*.log")):
            parts.append(f"--- {log.name} ---\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:]))
        return "\n".join(parts)

    # -- tear-down -----------------------------------------------------------------------------
    def stop(self) -> None:
        """Cancel jobs, then stop the daemons (SIGTERM, then SIGKILL); never raises."""
        if self.conf.exists():
            subprocess.run(["scancel", "--full", "-p", PARTITION], env=self.env, capture_output=True, timeout=30)
        for name in ("slurmd", "slurmctld", "munged"):
            pid_file = self._pid_files[name]
            try:
                pid = int(pid_file.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
            for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    break
                deadline = time.monotonic() + wait
                while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
                    time.sleep(0.1)
                if not Path(f"/proc/{pid}").exists():
                    break
        if SYSTEM_CONF.is_symlink() and SYSTEM_CONF.readlink() == self.conf:
            SYSTEM_CONF.unlink()

    def __enter__(self) -> "LocalSlurm":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
