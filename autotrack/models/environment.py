"""A model folder's environment, as MLflow writes it: requirements.txt, constraints.txt, python_env.yaml,
conda.yaml, and the `code/` folder of `code_paths`.

Loading a model always imports autotrack (the pyfunc loader lives there), so autotrack is pinned in
requirements.txt unless the user's own requirements already name it, as MLflow pins itself.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import sys
from pathlib import Path
from typing import Any, Iterable, Sequence

from autotrack.exceptions import InvalidInput

__all__ = ["CODE_FOLDER", "add_code_to_path", "copy_code_paths", "parse_pip_requirements", "write_environment"]

REQUIREMENTS = "requirements.txt"
CONSTRAINTS = "constraints.txt"
CONDA = "conda.yaml"
PYTHON_ENV = "python_env.yaml"
CODE_FOLDER = "code"

Requirements = str | os.PathLike | Sequence[str] | None


def _lines(lines: Iterable[str]) -> list[str]:
    """Requirement lines without comments, blanks and line continuations (pip's file format)."""
    out: list[str] = []
    pending = ""
    for raw in lines:
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        line, pending = (pending + line).strip(), ""
        if line:
            out.append(line)
    return out


def _parse(lines: Iterable[str], base: Path, requirements: list[str], constraints: list[str], constraint: bool) -> None:
    for line in _lines(lines):
        option, _, argument = line.partition(" ")
        if option in ("-r", "--requirement", "-c", "--constraint") and argument.strip():
            file = base / argument.strip()
            if not file.is_file():
                raise InvalidInput(f"The requirements line '{line}' names a file that does not exist: {file}.")
            nested_constraint = constraint or option in ("-c", "--constraint")
            _parse(file.read_text().splitlines(), file.parent, requirements, constraints, nested_constraint)
        else:
            (constraints if constraint else requirements).append(line)


def parse_pip_requirements(value: Requirements, what: str = "pip_requirements") -> tuple[list[str], list[str]]:
    """(requirements, constraints) from a list of requirement strings or the path of a requirements file.

    `-r file` lines are read in, `-c file` lines become constraints (written to constraints.txt).
    """
    if value is None:
        return [], []
    if isinstance(value, (str, os.PathLike)):
        file = Path(value)
        if not file.is_file():
            raise InvalidInput(f"{what}={str(value)!r} is neither a list of requirements nor an existing "
                               "requirements file: pass a list such as ['scikit-learn==1.5.0'] or a file path.")
        lines, base = file.read_text().splitlines(), file.parent
    elif isinstance(value, Iterable) and all(isinstance(item, str) for item in value):
        lines, base = list(value), Path.cwd()
    else:
        raise InvalidInput(f"{what} must be a list of requirement strings or the path of a requirements file, "
                           f"got {type(value).__name__}.")
    requirements: list[str] = []
    constraints: list[str] = []
    _parse(lines, base, requirements, constraints, False)
    return requirements, constraints


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;@]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _installable(pins: list[str]) -> list[str]:
    """Pins without a local version label (`torch==2.3.0+cpu` -> `torch==2.3.0`): PyPI has no such builds."""
    return [re.sub(r"^([^=]+==[^+]+)\+\S+$", r"\1", pin) for pin in pins]


def _dedupe(requirements: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for requirement in requirements:
        if requirement not in seen:
            seen.add(requirement)
            out.append(requirement)
    return out


def _conda_pip(conda_env: Any) -> tuple[dict, list[str]]:
    import yaml

    if isinstance(conda_env, (str, os.PathLike)):
        if not Path(conda_env).is_file():
            raise InvalidInput(f"conda_env={str(conda_env)!r} is not a file: pass a conda.yaml path or a dict.")
        conda_env = yaml.safe_load(Path(conda_env).read_text())
    if not isinstance(conda_env, dict):
        raise InvalidInput(f"conda_env must be a dict or the path of a conda.yaml, got {type(conda_env).__name__}.")
    pip: list[str] = []
    for dependency in conda_env.get("dependencies") or []:
        if isinstance(dependency, dict):
            pip.extend(dependency.get("pip") or [])
    return conda_env, pip


def _conda_env(pip: list[str]) -> dict:
    from autotrack.models.model import pinned_requirements

    pip_pin = [p.replace("==", "<=") for p in pinned_requirements(["pip"])] or ["pip"]
    return {"name": "mlflow-env", "channels": ["conda-forge"],
            "dependencies": [f"python={platform.python_version()}", *pip_pin, {"pip": pip}]}


def write_environment(
    target: Path,
    default_packages: Sequence[str],
    pip_requirements: Requirements = None,
    extra_pip_requirements: Requirements = None,
    conda_env: Any = None,
) -> list[str]:
    """Write requirements.txt (+ constraints.txt), python_env.yaml and conda.yaml; return the requirements.

    As in MLflow, at most one of `pip_requirements`, `extra_pip_requirements` and `conda_env` is given.
    """
    import yaml

    from autotrack.models.model import pinned_requirements

    given = [n for n, v in (("pip_requirements", pip_requirements), ("extra_pip_requirements", extra_pip_requirements),
                            ("conda_env", conda_env)) if v is not None]
    if len(given) > 1:
        raise InvalidInput(f"Pass only one of {', '.join(given)}: each describes the whole environment "
                           "(extra_pip_requirements adds to the inferred one).")
    constraints: list[str] = []
    conda: dict | None = None
    if pip_requirements is not None:
        requirements, constraints = parse_pip_requirements(pip_requirements)
    elif extra_pip_requirements is not None:
        extra, constraints = parse_pip_requirements(extra_pip_requirements, "extra_pip_requirements")
        requirements = _installable(pinned_requirements(default_packages)) + extra
    elif conda_env is not None:
        conda, pip = _conda_pip(conda_env)
        requirements, constraints = parse_pip_requirements(pip, "conda_env's pip dependencies")
    else:
        requirements = _installable(pinned_requirements(default_packages))
    if not any(_name(r) == "autotrack" for r in requirements):
        requirements = _installable(pinned_requirements(["autotrack"])) + requirements
    requirements = _dedupe(requirements)
    if constraints:
        (target / CONSTRAINTS).write_text("\n".join(constraints) + "\n")
        requirements.append(f"-c {CONSTRAINTS}")
    (target / REQUIREMENTS).write_text("\n".join(requirements) + "\n")
    (target / PYTHON_ENV).write_text(
        f"python: {platform.python_version()}\nbuild_dependencies:\n"
        + "".join(f"  - {p}\n" for p in pinned_requirements(["pip", "setuptools", "wheel"]))
        + f"dependencies:\n  - -r {REQUIREMENTS}\n"
    )
    if conda is not None:
        conda = {**conda, "dependencies": [d for d in conda.get("dependencies") or [] if not isinstance(d, dict)]
                 + [{"pip": requirements}]}
    (target / CONDA).write_text(yaml.safe_dump(conda or _conda_env(requirements), sort_keys=False))
    return requirements


def copy_code_paths(target: Path, code_paths: Sequence[str | os.PathLike] | None) -> str | None:
    """Copy files and folders the model's code imports into `code/`; the loader puts it on sys.path."""
    if code_paths is None:
        return None
    if isinstance(code_paths, (str, os.PathLike)) or not all(isinstance(p, (str, os.PathLike)) for p in code_paths):
        raise InvalidInput("code_paths must be a list of file or folder paths, e.g. code_paths=['features.py'].")
    folder = target / CODE_FOLDER
    folder.mkdir(exist_ok=True)
    for source in map(Path, code_paths):
        if not source.exists():
            raise InvalidInput(f"code_paths names '{source}', which does not exist.")
        if source.is_dir():
            shutil.copytree(source, folder / source.resolve().name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, folder / source.name)
    return CODE_FOLDER


def add_code_to_path(model_path: str | os.PathLike, code: str | None) -> None:
    """Make the model's `code/` folder importable (first on sys.path, as MLflow does)."""
    if code:
        folder = str(Path(model_path) / code)
        if folder not in sys.path:
            sys.path.insert(0, folder)
