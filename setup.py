"""Package discovery for the two top-level folders installed inside `autotrack`.

`integrations/` and `sweeps/` live beside `autotrack/` but install as
`autotrack.integrations` and `autotrack.sweeps` (`package-dir` in
pyproject.toml). setuptools' `packages.find` names packages after the folders
it walks, so it cannot see them under their installed names; this walks every
folder and renames, so a new subpackage is never forgotten. Everything else
is in pyproject.toml.
"""

from setuptools import find_packages, setup

MAPPED = {"autotrack.integrations": "integrations", "autotrack.sweeps": "sweeps"}

packages = find_packages(include=["autotrack", "autotrack.*"])
for name, folder in MAPPED.items():
    packages += [name] + [f"{name}.{sub}" for sub in find_packages(folder)]

setup(packages=packages, package_dir={"autotrack": "autotrack", **MAPPED})
