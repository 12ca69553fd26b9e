"""Imported first by every script: jobs use the library of this checkout.

Snakemake puts the scripts' own directory on sys.path; from here, src/ is one level up. This
makes a job run the edited code of the checkout whichever environment runs it (the venv, a
`--sdm conda` environment that holds only the dependencies, or a cluster node).
"""

import sys
from pathlib import Path

_SRC = str(Path(__file__).resolve().parents[1] / "src")
if _SRC not in sys.path:
    sys.path.insert(0, _SRC)
