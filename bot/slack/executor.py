"""Bolt's listener pool, sized on purpose and able to say when it is idle.

Bolt runs each listener on this executor and, for events, after the ack: "idle" is how tests,
the demo and a graceful shutdown know that work acknowledged to Slack has finished.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class ListenerExecutor(ThreadPoolExecutor):
    def __init__(self, max_workers: int) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="listener")
        self._busy = 0
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._lock:
            self._busy += 1

        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                with self._lock:
                    self._busy -= 1

        return super().submit(run)

    @property
    def busy(self) -> int:
        with self._lock:
            return self._busy

    def wait_idle(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while self.busy and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self.busy
