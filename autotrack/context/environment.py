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
import re
import shlex
import socket
import sys

__all__ = ["cpu_model", "entry_point", "gpus", "machine", "packages_hash", "requirements", "top_level"]

_MAX_TAG = 5000  # MLflow's limit on a tag value


_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_TOOLING = {"pip", "setuptools", "wheel"}


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _headers(text: str) -> dict[str, list[str]]:
    """The header fields of a METADATA file (what `email` would parse, ten times faster)."""
    found: dict[str, list[str]] = {}
    for line in text.partition("\n\n")[0].split("\n"):
        if not line.rstrip("\r"):
            break  # the description follows (continuation lines hold spaces, never nothing)
        key, sep, value = line.partition(":")
        if sep and not line[0].isspace():
            found.setdefault(key.strip().lower(), []).append(value.strip())
    return found


def _install_paths() -> list[str]:
    """Where distributions are installed: $PYTHONPATH and the site folders. Not `sys.path` itself, which
    programs change as they run (Ray adds its vendored packages, pytest the test folders)."""
    import site

    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    paths += site.getsitepackages() if hasattr(site, "getsitepackages") else []
    if site.ENABLE_USER_SITE:
        paths.append(site.getusersitepackages())
    return [p for p in dict.fromkeys(paths) if os.path.isdir(p)]


def _metadata_texts(paths: list[str]):
    """The header part of each installed distribution's METADATA (or PKG-INFO), folder by folder.

    Read directly rather than through `importlib.metadata`, whose import alone (email, zipfile,
    csv, ...) took ~90 ms here: this is what the first run of every process pays.
    """
    for folder in paths:
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                file = os.path.join(folder, name, "METADATA")
            elif name.endswith(".egg-info"):
                file = os.path.join(folder, name, "PKG-INFO") if os.path.isdir(os.path.join(folder, name)) else \
                    os.path.join(folder, name)
            else:
                continue
            try:
                with open(file, encoding="utf-8", errors="replace") as handle:
                    text = handle.read(65536)
            except OSError:
                continue
            yield text


@functools.lru_cache(maxsize=1)
def _distributions() -> tuple[dict[str, str], tuple[str, ...]]:
    """({normalized name: "Name==version"}, top-level names): what is installed, and what nothing else needs."""
    found: dict[str, str] = {}
    required: set[str] = set()
    for text in _metadata_texts(_install_paths()):
        headers = _headers(text)
        name, version = headers.get("name", [None])[0], headers.get("version", ["?"])[0]
        if not name or _normalize(name) in found:
            continue  # the first folder wins, as for imports
        found[_normalize(name)] = f"{name}=={version}"
        for requirement in headers.get("requires-dist", ()):
            match = _REQUIREMENT_NAME.match(requirement)
            if match and "extra ==" not in requirement.replace("extra==", "extra =="):
                required.add(_normalize(match.group(1)))
    top = tuple(sorted(key for key in found if key not in required and key not in _TOOLING))
    return found, top


@functools.lru_cache(maxsize=1)
def requirements() -> str:
    """`name==version` of every installed distribution, sorted, one a line (what pip would install)."""
    found = _distributions()[0]
    return "".join(found[key] + "\n" for key in sorted(found))


def top_level() -> list[str]:
    """`name==version` of the distributions no other installed one requires: what was installed on purpose."""
    found, top = _distributions()
    return [found[key] for key in top]


@functools.lru_cache(maxsize=1)
def packages_hash() -> str:
    """A fingerprint of the interpreter, platform and packages: equal means the same environment."""
    text = f"{sys.version}\n{_platform()}\n{sys.executable}\n{requirements()}"
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
def _platform() -> str:
    """`platform.platform()` without its libc probe, which reads the whole interpreter binary (~50 ms here)."""
    uname = platform.uname()
    libc = os.confstr("CS_GNU_LIBC_VERSION") if hasattr(os, "confstr") and "CS_GNU_LIBC_VERSION" in \
        os.confstr_names else ""
    return "-".join(part for part in (uname.system, uname.release, uname.machine, libc.replace(" ", "")) if part)


def nvidia_driver_present() -> bool:
    """Whether an NVIDIA driver could answer: loading NVML where there is none costs ~60 ms for nothing."""
    if sys.platform.startswith("linux"):
        return os.path.exists("/proc/driver/nvidia") or os.path.exists("/dev/nvidiactl")
    return sys.platform == "win32"


@functools.lru_cache(maxsize=1)
def gpus() -> tuple[str, ...]:
    """Names of the NVIDIA GPUs this process can see; empty without nvidia-ml-py or a driver."""
    if not nvidia_driver_present():
        return ()
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
        "platform": _platform(),
        "hostname": socket.gethostname(),
        "command": _command(),
        "entryPoint": entry_point(),
        "cpu": cpu_model(),
        "cpuCount": str(os.cpu_count() or 0),
        "gpu": ", ".join(sorted(set(found))) if found else "",
        "gpuCount": str(len(found)),
    }
