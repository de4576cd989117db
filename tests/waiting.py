"""Waiting for what a test can observe, not for a span of time.

`wait_until` polls a condition until it holds. Its deadline only ends a test that hangs: on a slow or busy machine
the condition is met later, never missed."""

import time

DEADLINE = 120  # seconds; generous, as a machine running the suite may be shared


def wait_until(condition, what: str, deadline: float = DEADLINE, process=None):
    """Return the first true value of `condition()`; fail when `process` (a Popen) has ended meanwhile, or after
    `deadline` seconds."""
    end = time.monotonic() + deadline
    while True:
        value = condition()
        if value:
            return value
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what}: the process ended with exit code {process.returncode}")
        if time.monotonic() > end:
            raise AssertionError(f"{what}: not within {deadline} s")
        time.sleep(0.05)  # between two looks; the condition decides, not this pause
