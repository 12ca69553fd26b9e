# Helpers shared by all rule files (names from the config, paths, resources).


def _alternatives(names):
    return "|".join(sorted(names)) or "(?!)"


GENERATED_SAMPLES = [s for s, spec in config["samples"].items() if "process" in spec]
READ_SAMPLES = [s for s, spec in config["samples"].items() if "read" in spec]
SCRATCH_RUNS = [r for r, spec in config["runs"].items() if spec["mode"] == "scratch"]
TRANSFER_RUNS = [r for r, spec in config["runs"].items() if spec["mode"] != "scratch"]


def family_resources(family):
    """threads / mem_mb / runtime (minutes) / gpu of a rule family, from config['resources']."""
    return config["resources"][family]


def shard_files(kind, sample):
    return [f"results/{kind}/{sample}/shard{i}.root" for i in range(config["samples"][sample]["shards"])]


def dataset_file(run, split):
    """The split of the run's task in the representation its model reads."""
    spec = config["runs"][run]
    representation = config["models"][spec["model"]]["representation"]
    return f"results/datasets/{spec['task']}/{representation}/{split}.npz"


def report_targets():
    tables = expand("results/tables/{table}.{ext}", table=config["tables"], ext=("csv", "md"))
    figures = expand("results/figures/{figure}.{ext}", figure=config["figures"], ext=("png", "pdf"))
    return tables + figures
