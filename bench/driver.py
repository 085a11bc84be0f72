"""A small closed-loop HTTP driver: N threads, each with its own session, asking in turn; latencies per label."""
from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests


@dataclass
class Stats:
    label: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.latencies) * 1000 if self.latencies else float("nan")

    def line(self) -> str:
        rate = len(self.latencies) / self.seconds if self.seconds else 0
        return (f"{self.label:<34} n={len(self.latencies):>5} err={self.errors:<3} mean={self.mean_ms:7.1f} ms "
                f"p50={self.quantile(.5):7.1f} p95={self.quantile(.95):7.1f} p99={self.quantile(.99):7.1f} "
                f"{rate:7.1f}/s")


Call = Callable[[requests.Session, int], requests.Response]


def run(label: str, sessions: list[requests.Session], call: Call, per_thread: int) -> Stats:
    """Each session in its own thread makes `per_thread` calls; a non-2xx/3xx answer counts as an error."""
    stats = Stats(label)
    lock = threading.Lock()

    def worker(index: int, session: requests.Session) -> None:
        for n in range(per_thread):
            started = time.perf_counter()
            try:
                ok = call(session, index * per_thread + n).status_code < 400
            except requests.RequestException:
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                stats.latencies.append(elapsed) if ok else None
                stats.errors += 0 if ok else 1

    threads = [threading.Thread(target=worker, args=(i, s)) for i, s in enumerate(sessions)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats.seconds = time.perf_counter() - began
    return stats
