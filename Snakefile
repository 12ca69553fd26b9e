# jettransfer: config -> events -> jets -> Lund graphs -> datasets -> models -> scores -> tables/figures.
import sys
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")

report: "workflow/report/workflow.rst"


# A config given with --configfile replaces the default study instead of being merged into it,
# so a study's file alone decides its samples, runs and figures.
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


# The Snakefile reads the library of this checkout (for config validation); jobs do the same
# through scripts/_library_path.py.
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from jettransfer.config import validate_config  # noqa: E402

# Validated before any job is scheduled; schema defaults are filled in here.
_validated = validate_config(config, source=", ".join(map(str, workflow.configfiles)) or "config")
config.clear()
config.update(_validated)


include: "workflow/rules/common.smk"
wildcard_constraints:
    sample=_alternatives(config["samples"]),
    task=_alternatives(config["tasks"]),
    representation=_alternatives(config["representations"]),
    table=_alternatives(config["tables"]),
    figure=_alternatives(config["figures"]),
    study=_alternatives(list(config["transfer_studies"]) + list(config["distillation_studies"])
                        + list(config["published_comparisons"]) + list(config["contrastive_studies"])
                        + list(config["event_studies"])),
    shard=r"\d+",
    split="train|validation|test",


include: "workflow/rules/generate.smk"
include: "workflow/rules/cluster.smk"
include: "workflow/rules/convert.smk"
include: "workflow/rules/preprocess.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/transfer.smk"
include: "workflow/rules/distill.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/measure.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/study.smk"
include: "workflow/rules/distillation_study.smk"
include: "workflow/rules/published.smk"
include: "workflow/rules/contrastive_study.smk"
include: "workflow/rules/event_study.smk"


rule all:
    input:
        report_targets(),
    default_target: True
