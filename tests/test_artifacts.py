"""Artifacts: logging, listing, downloading, and refusing paths that escape the run."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import yaml

import autotrack
from autotrack.artifacts import LocalArtifactRepository
from autotrack.exceptions import InvalidInput


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "run" / "artifacts"
    root.mkdir(parents=True)
    return LocalArtifactRepository(str(root))


@pytest.mark.parametrize("path", ["../x", "a/../../x", "/etc/passwd", "a/../..", "..\\x", "C:/x"])
def test_paths_escaping_the_run_are_refused(repo, tmp_path, path):
    source = tmp_path / "f.txt"
    source.write_text("x")
    with pytest.raises(InvalidInput, match="inside the run's folder"):
        repo.log_artifact(str(source), path)
    with pytest.raises(InvalidInput):
        repo.write_bytes(path + "/f.txt", b"x")
    assert not (tmp_path / "x").exists() and not (tmp_path / "run" / "x").exists()


def test_symlink_out_of_the_run_is_refused(repo, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, repo.root / "link")
    with pytest.raises(InvalidInput, match="symlink"):
        repo.write_bytes("link/evil.txt", b"x")
    with pytest.raises(InvalidInput, match="symlink"):
        repo.download_artifacts("link", str(tmp_path / "dl"))
    assert list(outside.iterdir()) == []


def test_log_list_download(repo, tmp_path):
    folder = tmp_path / "data"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.csv").write_text("1,2")
    (folder / "sub" / "b.txt").write_text("hello")
    repo.log_artifacts(str(folder), "inputs")
    repo.log_artifact(str(folder / "a.csv"))
    assert [(f.path, f.is_dir) for f in repo.list_artifacts()] == [("a.csv", False), ("inputs", True)]
    assert [f.path for f in repo.list_artifacts("inputs")] == ["inputs/a.csv", "inputs/sub"]
    assert repo.list_artifacts("inputs/sub")[0].file_size == 5
    local = repo.download_artifacts("inputs", str(tmp_path / "dl"))
    assert open(os.path.join(local, "sub", "b.txt")).read() == "hello"


def test_missing_sources_are_clear_errors(repo, tmp_path):
    with pytest.raises(InvalidInput, match="needs a file"):
        repo.log_artifact(str(tmp_path / "nope.txt"))
    with pytest.raises(InvalidInput, match="needs a folder"):
        repo.log_artifacts(str(tmp_path / "nope"))


def test_fluent_artifact_helpers(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    figure, axis = plt.subplots()
    axis.plot([1, 2, 3])
    image = np.zeros((8, 12, 3), dtype=np.uint8)
    image[:, :, 0] = 255
    with autotrack.start_run() as run:
        autotrack.log_text("some notes", "notes/readme.md")
        autotrack.log_dict({"a": [1, 2], "b": {"c": "d"}}, "config.json")
        autotrack.log_dict({"a": 1}, "config.yaml")
        autotrack.log_figure(figure, "plots/line.png")
        autotrack.log_image(image, "images/red.png")
        autotrack.log_image(np.full((4, 4), 0.5), "images/gray.png")
        with pytest.raises(InvalidInput, match=r"\[0, 1\]"):
            autotrack.log_image(np.full((4, 4), 2.0), "images/bad.png")
        with pytest.raises(InvalidInput, match="inside the run's folder"):
            autotrack.log_text("x", "../escape.txt")
    client = autotrack.Client()
    root = client.download_artifacts(run.info.run_id, "", str(tmp_path / "out"))
    assert open(os.path.join(root, "notes", "readme.md")).read() == "some notes"
    assert json.load(open(os.path.join(root, "config.json"))) == {"a": [1, 2], "b": {"c": "d"}}
    assert yaml.safe_load(open(os.path.join(root, "config.yaml"))) == {"a": 1}
    assert open(os.path.join(root, "plots", "line.png"), "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    red = np.asarray(Image.open(os.path.join(root, "images", "red.png")))
    assert red.shape == (8, 12, 3) and (red[:, :, 0] == 255).all()
    assert np.asarray(Image.open(os.path.join(root, "images", "gray.png")))[0, 0] == 128
    assert not os.path.exists(os.path.join(root, "images", "bad.png"))


def test_client_list_and_download_artifacts(tmp_path):
    source = tmp_path / "model.bin"
    source.write_bytes(b"\x00\x01")
    with autotrack.start_run() as run:
        autotrack.log_artifact(str(source), artifact_path="models")
    client = autotrack.Client()
    assert [(f.path, f.file_size) for f in client.list_artifacts(run.info.run_id, "models")] == [("models/model.bin", 2)]
    local = client.download_artifacts(run.info.run_id, "models/model.bin", str(tmp_path / "dl"))
    assert open(local, "rb").read() == b"\x00\x01"
    with autotrack.start_run(run_id=run.info.run_id):
        assert autotrack.get_artifact_uri("models").endswith(f"{run.info.run_id}/artifacts/models")
