"""Hot swap: every worker follows the adapter promoted in the registry, without a restart.

Each worker polls the database; when another adapter is promoted it loads that one next to the
one serving and swaps the holder's reference. Requests already running keep the assistant they
started with, so none fails; a new adapter that does not load leaves the old one serving.
"""

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from backend.runtime.assistant import Assistant
from backend.runtime.holder import AssistantHolder
from backend.services.adapters import serving_adapter

logger = logging.getLogger(__name__)

AdapterLoader = Callable[[Path | None], Assistant]


def promoted_adapter_dir(engine: Engine) -> Path | None:
    """The directory of the adapter the registry says should serve (None: the bare base)."""
    with Session(engine) as session:
        adapter = serving_adapter(session)
        return Path(adapter.path) if adapter else None


class AdapterFollower:
    """Keeps a holder's assistant on the promoted adapter."""

    def __init__(self, engine: Engine, holder: AssistantHolder, load: AdapterLoader) -> None:
        self.engine = engine
        self.holder = holder
        self.load = load
        self._failed: Path | None = None

    async def run(self, poll_seconds: float) -> None:
        """Check the registry every `poll_seconds` until cancelled."""
        while True:
            await asyncio.sleep(poll_seconds)
            try:
                await run_in_threadpool(self.follow)
            except Exception:  # a failed check must not end the follower
                logger.exception("checking the adapter registry failed")

    def follow(self) -> bool:
        """Swap to the promoted adapter if another one serves; True when it swapped."""
        served = self.holder.assistant
        if served is None:  # the first load is still running (or failed): not ours to redo
            return False
        wanted = promoted_adapter_dir(self.engine)
        if wanted == served.adapter_dir or (wanted is not None and wanted == self._failed):
            return False
        logger.info("adapter %s promoted; loading it", wanted or "none (base model)")
        try:
            assistant = self.load(wanted)
        except Exception:
            self._failed = wanted
            logger.exception("adapter %s failed to load; the serving one stays", wanted)
            return False
        self.holder.set(assistant)
        return True
