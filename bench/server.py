"""Start and stop gunicorn on the benchmark database, with production settings over plain HTTP on 127.0.0.1."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = int(os.environ.get("BENCH_WORKERS", 4))


def environment(database_url: str) -> dict[str, str]:
    return {**os.environ, "ACCREDIT_ENV": "production", "DATABASE_URL": database_url,
            "SECRET_KEY": "bench-only-secret", "SESSION_COOKIE_SECURE": "0",
            "ACCREDIT_VAR_DIR": str(ROOT / "var" / "bench"), "EVIDENCE_DIR": str(ROOT / "var" / "bench" / "evidence")}


@contextmanager
def gunicorn(database_url: str, port: int = 8765, workers: int = WORKERS):
    """Yield the base URL of a running gunicorn (sync workers), stopping it afterwards."""
    log = open(ROOT / "var" / "bench" / "gunicorn.log", "ab")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--timeout", "120", "--backlog", "2048", "bench.wsgi:app"],
        cwd=ROOT, env=environment(database_url), stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/bench/constant", timeout=2)
                break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError("gunicorn stopped: see var/bench/gunicorn.log") from None
                time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        log.close()
