"""The environment a run ran in: interpreter, machine, command line, hardware and installed packages.

Everything here is read once per process and cached: the packages come from
`importlib.metadata` (milliseconds; never `pip freeze` in a subprocess), the
GPUs from NVML when `nvidia-ml-py` is installed.
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import shlex
import socket
import sys

__all__ = ["cpu_model", "entry_point", "gpus", "machine", "packages_hash", "requirements"]

_MAX_TAG = 5000  # MLflow's limit on a tag value


@functools.lru_cache(maxsize=1)
def requirements() -> str:
    """`name==version` of every installed distribution, sorted, one a line (what pip would install)."""
    from importlib import metadata

    seen: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"] if dist.metadata else None
        if name and name.lower() not in seen:
            seen[name.lower()] = f"{name}=={dist.version}"
    return "".join(line + "\n" for _, line in sorted(seen.items()))


@functools.lru_cache(maxsize=1)
def packages_hash() -> str:
    """A fingerprint of the interpreter, platform and packages: equal means the same environment."""
    text = f"{sys.version}\n{platform.platform()}\n{sys.executable}\n{requirements()}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def cpu_model() -> str:
    """The CPU's marketing name; /proc/cpuinfo on Linux (psutil has no name), else what platform knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.startswith(("model name", "Model", "Hardware")):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


@functools.lru_cache(maxsize=1)
def gpus() -> tuple[str, ...]:
    """Names of the NVIDIA GPUs this process can see; empty without nvidia-ml-py or a driver."""
    try:
        import pynvml
    except ImportError:
        return ()
    try:
        pynvml.nvmlInit()
        names = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            name = pynvml.nvmlDeviceGetName(pynvml.nvmlDeviceGetHandleByIndex(index))
            names.append(name.decode() if isinstance(name, bytes) else str(name))
        return tuple(names)
    except Exception:  # no driver, no device: a machine without GPUs
        return ()


def entry_point() -> str:
    """How the program was started: `python -m module`, a script's path, or the interactive prompt."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and getattr(spec, "name", None) and spec.name != "__main__":
        return f"-m {spec.name.removesuffix('.__main__')}"
    path = getattr(main, "__file__", None)
    if path:
        return os.path.abspath(path)
    return "<ipython>" if "IPython" in sys.modules else "<interactive>"


def _command() -> str:
    command = shlex.join([sys.executable.rsplit(os.sep, 1)[-1], *sys.argv]) if sys.argv else "<interactive>"
    return command if len(command) <= _MAX_TAG else command[: _MAX_TAG - 20] + " ...(cut)"


@functools.lru_cache(maxsize=1)
def machine() -> dict[str, str]:
    """What describes the process and its host, as tag values (computed once per process)."""
    found = gpus()
    return {
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "executable": sys.executable,
        "platform": platform.platform(),
        "hostname": socket.gethostname(),
        "command": _command(),
        "entryPoint": entry_point(),
        "cpu": cpu_model(),
        "cpuCount": str(os.cpu_count() or 0),
        "gpu": ", ".join(sorted(set(found))) if found else "",
        "gpuCount": str(len(found)),
    }
