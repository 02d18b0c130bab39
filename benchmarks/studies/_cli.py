"""The command line every study shares: ``--out`` (a JSON-lines file the runs append
to) and ``--summary`` (print the summary of such a file instead of running)."""

import argparse
import json

import torch


def study_parser(name, doc, out):
    """An argument parser for ``python -m benchmarks.studies.<name>`` with ``--out``
    (default ``out``) and ``--summary``; the study adds its own arguments."""
    parser = argparse.ArgumentParser(
        prog=f"python -m benchmarks.studies.{name}", description=doc.splitlines()[0]
    )
    parser.add_argument("--out", default=out, help=f"results file (default: {out})")
    parser.add_argument(
        "--summary", metavar="JSONL", help="summarise a results file instead of running"
    )
    return parser


def summarise_or_run(args, summary, rows):
    """With ``--summary``, print ``summary(rows of that file)``; otherwise, on one
    torch thread, append each row that the iterable ``rows`` yields to ``--out`` as
    it comes (an interrupted run keeps what it finished)."""
    if args.summary:
        with open(args.summary) as f:
            print(summary([json.loads(line) for line in f]))
        return
    torch.set_num_threads(1)
    with open(args.out, "a") as f:
        for row in rows:
            print(json.dumps(row), file=f, flush=True)
