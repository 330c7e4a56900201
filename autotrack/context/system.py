"""System metrics of a run, sampled by the background writer's thread (no thread of its own).

`Sampler.tick()` runs on each writer loop (about once a second) and logs one
sample to every run whose interval has passed: `system/*` through psutil,
and `system/gpu_<i>_*` through NVML when an NVIDIA GPU and `nvidia-ml-py` are
there. Disk and network counters count from the run's first sample. psutil
and NVML are imported on the writer thread, never by `import autotrack`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["Sampler", "sample"]

_MB = 1024 * 1024


@dataclass
class _Watched:
    log: Callable[[str, float, int, int], None]  # (key, value, timestamp ms, step)
    interval: float
    next_due: float
    step: int = 0
    baseline: dict[str, float] = field(default_factory=dict)


class _Probe:
    """psutil and NVML handles, made once per process on first use."""

    def __init__(self) -> None:
        import psutil

        self.psutil = psutil
        self.process = psutil.Process()
        psutil.cpu_percent(None)  # the first call only sets the baseline
        self.process.cpu_percent(None)
        self.gpus: list[Any] = []
        self.nvml = None
        from autotrack.context.environment import nvidia_driver_present

        if nvidia_driver_present():
            try:
                import pynvml

                pynvml.nvmlInit()
                self.gpus = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(pynvml.nvmlDeviceGetCount())]
                self.nvml = pynvml
            except Exception:  # nvidia-ml-py not installed, or the driver cannot answer
                self.gpus = []

    def read(self) -> dict[str, float]:
        psutil = self.psutil
        memory = psutil.virtual_memory()
        values = {
            "cpu_percent": psutil.cpu_percent(None),
            "memory_used_mb": memory.used / _MB,
            "memory_percent": memory.percent,
            "process_rss_mb": self.process.memory_info().rss / _MB,
            "process_cpu_percent": self.process.cpu_percent(None),
        }
        disk = psutil.disk_io_counters()
        if disk is not None:
            values["disk_read_mb"], values["disk_write_mb"] = disk.read_bytes / _MB, disk.write_bytes / _MB
        net = psutil.net_io_counters()
        if net is not None:
            values["network_sent_mb"], values["network_recv_mb"] = net.bytes_sent / _MB, net.bytes_recv / _MB
        for index, handle in enumerate(self.gpus):
            values.update(self._gpu(index, handle))
        return values

    def _gpu(self, index: int, handle: Any) -> dict[str, float]:
        nvml, prefix, found = self.nvml, f"gpu_{index}_", {}
        for name, read in (
            ("utilization", lambda: nvml.nvmlDeviceGetUtilizationRates(handle).gpu),
            ("memory_used_mb", lambda: nvml.nvmlDeviceGetMemoryInfo(handle).used / _MB),
            ("power_w", lambda: nvml.nvmlDeviceGetPowerUsage(handle) / 1000.0),
            ("temperature_c", lambda: nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU)),
        ):
            try:
                found[prefix + name] = float(read())
            except Exception:  # a reading this GPU does not support
                pass
        return found


_COUNTERS = ("disk_read_mb", "disk_write_mb", "network_sent_mb", "network_recv_mb")


class Sampler:
    """The runs this process samples; `tick` is called by the writer thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, _Watched] = {}
        self._probe: _Probe | None = None

    def __len__(self) -> int:
        return len(self._runs)

    def watch(self, run_id: str, interval: float, log: Callable[[str, float, int, int], None]) -> None:
        """Sample `run_id` every `interval` seconds, the first time one interval after now (as MLflow does:
        a run shorter than the interval has no system metrics, whatever the writer's tick phase)."""
        with self._lock:
            self._runs[run_id] = _Watched(log, interval, time.monotonic() + interval)

    def forget(self, run_id: str) -> None:
        with self._lock:
            self._runs.pop(run_id, None)

    def tick(self) -> None:
        now = time.monotonic()
        with self._lock:
            due = [(run_id, w) for run_id, w in self._runs.items() if w.next_due <= now]
        if not due:
            return
        if self._probe is None:
            self._probe = _Probe()  # sets the CPU baselines, so the first reading needs a moment after it
            time.sleep(0.1)  # once per process, on the writer's thread
        values = self._probe.read()
        timestamp = int(time.time() * 1000)
        for run_id, watched in due:
            if not watched.baseline:
                watched.baseline = {k: values[k] for k in _COUNTERS if k in values}
            for key, value in values.items():
                watched.log(f"system/{key}", value - watched.baseline.get(key, 0.0), timestamp, watched.step)
            # on the interval's grid, but never less than half an interval after this one (a late tick,
            # or writer threads of several stores ticking at different phases, would bunch them)
            watched.next_due = max(watched.next_due + watched.interval, now + watched.interval / 2)
            watched.step += 1


def sample() -> dict[str, float]:
    """One reading of everything the sampler logs (without the `system/` prefix); for checks and tools."""
    return _Probe().read()
