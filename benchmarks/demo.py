"""The README's demo: a two-task, one-seed run of the defaults study (a few minutes on
two CPU cores). MINDE-C and MINDE-J (with their sigma forms) against InfoNCE and KSG.

    python -m benchmarks.demo [--out DIR]
"""

import argparse
from pathlib import Path

from benchmarks import defaults


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=Path("benchmarks/out/demo"))
    args = p.parse_args(argv)
    defaults.run(
        defaults.parse_args(
            [
                "--tasks",
                "1v1-normal-0.75",
                "multinormal-dense-5-5-0.5",
                "--seeds",
                "0",
                "--out",
                str(args.out),
            ]
        )
    )


if __name__ == "__main__":
    main()
