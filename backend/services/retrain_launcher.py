"""Start a queued retraining run as its own process, outside the web worker.

The process is `supportbot retrain --run ID` with this deployment's settings; it writes its log
under `<data_dir>/retrain/` and its progress to the run's row, and outlives the request (and
the worker) that started it.
"""

import os
import subprocess
import sys

from backend.core.config import Settings, settings_environment
from backend.models import RetrainRun


def launch(settings: Settings, run: RetrainRun) -> subprocess.Popen:
    """Spawn the process that does `run`; its output goes to the run's log file."""
    settings.retrain_logs_dir.mkdir(parents=True, exist_ok=True)
    log_path = settings.retrain_logs_dir / f"run-{run.id}.log"
    environment = {**os.environ, **settings_environment(settings)}
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "backend.cli", "retrain", "--run", str(run.id)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=environment,
            start_new_session=True,  # a worker's restart does not take the job with it
        )
