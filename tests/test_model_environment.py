"""A model folder's environment files, written as MLflow writes them (autotrack/models/environment.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from autotrack.exceptions import InvalidInput
from autotrack.models.environment import parse_pip_requirements, write_environment


def test_requirement_files_are_read_as_pip_reads_them(tmp_path):
    (tmp_path / "base.txt").write_text("numpy>=1.26  # inline comment\n")
    (tmp_path / "pins.txt").write_text("numpy<3\npandas==2.2.2\n")
    (tmp_path / "requirements.txt").write_text(
        "# a comment\n-r base.txt\nscikit-learn \\\n  >=1.4\n\n-c pins.txt\n--constraint pins.txt\n")
    requirements, constraints = parse_pip_requirements(str(tmp_path / "requirements.txt"))
    assert requirements == ["numpy>=1.26", "scikit-learn >=1.4"]
    assert constraints == ["numpy<3", "pandas==2.2.2", "numpy<3", "pandas==2.2.2"]
    with pytest.raises(InvalidInput, match="neither a list of requirements nor an existing requirements file"):
        parse_pip_requirements("no/such/requirements.txt")
    with pytest.raises(InvalidInput, match="names a file that does not exist"):
        parse_pip_requirements(["-r missing.txt"])


def test_written_files_pin_autotrack_and_keep_one_environment_argument(tmp_path):
    folder = Path(tmp_path / "model")
    folder.mkdir()
    written = write_environment(folder, ["numpy"], extra_pip_requirements=["-c " + str(_constraints(tmp_path)), "rich"])
    assert written[0].startswith("autotrack==") and written[1].startswith("numpy==")
    assert written[-2:] == ["rich", "-c constraints.txt"]
    assert (folder / "constraints.txt").read_text() == "numpy<3\n"
    conda = yaml.safe_load((folder / "conda.yaml").read_text())
    assert conda["dependencies"][-1] == {"pip": written} and conda["name"] == "mlflow-env"
    assert "-r requirements.txt" in (folder / "python_env.yaml").read_text()
    with pytest.raises(InvalidInput, match="Pass only one of pip_requirements, conda_env"):
        write_environment(folder, [], pip_requirements=["a"], conda_env={"dependencies": []})
    other = tmp_path / "conda-model"
    other.mkdir()
    write_environment(other, [], conda_env={"name": "mine", "dependencies": ["python=3.11", {"pip": ["rich"]}]})
    assert (other / "requirements.txt").read_text().splitlines()[1:] == ["rich"]
    assert yaml.safe_load((other / "conda.yaml").read_text())["name"] == "mine"


def _constraints(tmp_path: Path) -> Path:
    file = tmp_path / "constraints-input.txt"
    file.write_text("numpy<3\n")
    return file
