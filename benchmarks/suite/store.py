"""The results file: one JSON line per finished job, appended and flushed at once.

A job is one estimator's fit on one sample (one task and seed). Its line carries the
job's key (``"job"``) and everything it produced. Rerunning a sweep skips every job
whose key is already in the file, so a killed run loses nothing it finished and
recomputes nothing. A line torn by a kill in mid-write is dropped when the file is
opened again.
"""

import json
import os
import warnings
from pathlib import Path


def job_id(key):
    """Canonical string of a job key (a JSON-serialisable dict)."""
    return json.dumps(key, sort_keys=True, separators=(",", ":"))


class ResultStore:
    """Append-only JSON-lines file of job records.

    Parameters
    ----------
    path : str or Path
        The file; created with its folder on the first append.
    """

    def __init__(self, path):
        self.path = Path(path)

    def load(self):
        """Every record in the file, by job id (a later line wins).

        A torn last line (no final newline) is cut off the file; other lines that
        do not parse are skipped with a warning.

        Returns
        -------
        dict of str to dict
        """
        if not self.path.exists():
            return {}
        self._drop_torn_tail()
        records = {}
        with self.path.open(encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    warnings.warn(f"{self.path}:{number} is not JSON; skipped",
                                  stacklevel=2)
                    continue
                records[job_id(record["job"])] = record
        return records

    def _drop_torn_tail(self):
        """Cut the file after its last newline (a kill can leave half a line)."""
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1
            warnings.warn(f"{self.path}: dropping a torn last line "
                          f"({len(data) - keep} bytes)", stacklevel=3)
            with self.path.open("r+b") as f:
                f.truncate(keep)

    def append(self, record):
        """Write one record as one line, flushed and synced to disk.

        Parameters
        ----------
        record : dict
            Must hold the job key under ``"job"``; JSON-serialisable.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(record, allow_nan=True) + "\n"
        with self.path.open("a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
