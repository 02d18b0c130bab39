"""The README's demo: a two-task, one-seed preset of the bmi suite (a few minutes on
two CPU cores). MINDE-C and MINDE-J (with their sigma forms) against InfoNCE and KSG,
the suite's estimators under the suite's labels.

    python -m benchmarks.demo [--out DIR]
"""

import argparse
from pathlib import Path

from benchmarks import bmi_suite

#: The preset: two tasks of the defaults study, one seed, the bmi protocol's n.
DEMO = [
    "--protocol", "bmi", "--n", "10000", "--seeds", "0",
    "--tasks", "1v1-normal-0.75", "multinormal-dense-5-5-0.5",
    "--estimators", "MINDE-C", "MINDE-J", "InfoNCE", "KSG",
]


def main(argv=None):
    """Run the preset (resuming it) and write the suite's reports to ``--out``."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=Path("benchmarks/out/demo"))
    args = p.parse_args(argv)
    return bmi_suite.main([*DEMO, "--out", str(args.out)])


if __name__ == "__main__":
    main()
