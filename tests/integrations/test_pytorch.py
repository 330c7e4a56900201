"""Plain PyTorch training loops under autolog, on a real small network."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
import torch

import autotrack
from autotrack.entities import RunStatus


def make_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))


def train(model, optimizer, steps=30, scheduler=None):
    torch.manual_seed(1)
    X = torch.randn(64, 6)
    y = X.sum(dim=1, keepdim=True)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(X), y)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        losses.append(loss.item())
    return losses


def test_loop_logs_optimizer_losses_lr_and_model():
    autotrack.autolog()
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
    losses = train(model, optimizer, scheduler=scheduler)
    run = autotrack.last_active_run()
    assert run.info.status == RunStatus.RUNNING  # the training goes on until the run ends
    params = run.data.params
    assert (params["optimizer"], params["lr"], params["momentum"], params["weight_decay"]) == ("SGD", "0.05", "0.9", "0.0001")
    assert params["model_class"] == "Sequential" and params["model_total_params"] == str(6 * 8 + 8 + 8 + 1)
    client = autotrack.Client()
    history = client.get_metric_history(run.info.run_id, "train_loss")
    assert [m.step for m in history] == list(range(1, 31))
    assert [m.value for m in history] == pytest.approx(losses)
    # the scheduler halves lr after steps 10 and 20: logged at the first step that uses the new value
    assert [(m.step, m.value) for m in client.get_metric_history(run.info.run_id, "lr")] == [
        (11, 0.025), (21, 0.0125)]
    autotrack.end_run()
    assert autotrack.get_run(run.info.run_id).info.status == RunStatus.FINISHED
    assert "model_summary.txt" in {f.path for f in client.list_artifacts(run.info.run_id)}
    loaded = autotrack.pytorch.load_model(f"runs:/{run.info.run_id}/model")
    X = torch.randn(5, 6)
    assert torch.equal(loaded(X), model(X))
    weights = autotrack.pytorch.load_state_dict(f"runs:/{run.info.run_id}/model")
    assert torch.equal(weights["0.weight"], model.state_dict()["0.weight"])
    # model.pth is a pickle: another user loads it only on opt-in; the weights load for anyone
    os.environ["AUTOTRACK_HOME"], home = os.path.join(os.getcwd(), "another-user"), os.environ["AUTOTRACK_HOME"]
    try:
        with pytest.raises(autotrack.InvalidInput, match="trust_pickle=True"):
            autotrack.pytorch.load_model(f"runs:/{run.info.run_id}/model")
        assert torch.equal(autotrack.pytorch.load_model(f"runs:/{run.info.run_id}/model", trust_pickle=True)(X), model(X))
        assert torch.equal(autotrack.pytorch.load_state_dict(f"runs:/{run.info.run_id}/model")["0.weight"],
                           model.state_dict()["0.weight"])
    finally:
        os.environ["AUTOTRACK_HOME"] = home


def test_training_results_are_unchanged():
    plain_model = make_model()
    plain = train(plain_model, torch.optim.Adam(plain_model.parameters(), lr=0.01))
    autotrack.autolog()
    model = make_model()
    logged = train(model, torch.optim.Adam(model.parameters(), lr=0.01))
    assert logged == plain
    assert autotrack.last_active_run().data.params["betas"] == "(0.9, 0.999)"


def test_a_new_optimizer_after_training_starts_a_new_run():
    autotrack.autolog(log_models=False)
    first = make_model()
    train(first, torch.optim.SGD(first.parameters(), lr=0.01), steps=5)
    first_run = autotrack.active_run().info.run_id
    second = make_model()
    train(second, torch.optim.SGD(second.parameters(), lr=0.02), steps=5)
    second_run = autotrack.active_run().info.run_id
    assert first_run != second_run
    assert autotrack.get_run(first_run).info.status == RunStatus.FINISHED
    assert autotrack.get_run(second_run).data.params["lr"] == "0.02"


def test_inside_a_user_run_logs_there():
    autotrack.autolog(log_models=False)
    with autotrack.start_run() as run:
        model = make_model()
        train(model, torch.optim.SGD(model.parameters(), lr=0.01), steps=4)
    recorded = autotrack.get_run(run.info.run_id)
    assert recorded.data.params["optimizer"] == "SGD" and "train_loss" in recorded.data.metrics
    assert len(autotrack.search_runs(output_format="list")) == 1


def test_disable_removes_patches_and_hooks():
    original_backward, original_init = torch.Tensor.backward, torch.optim.Optimizer.__init__
    autotrack.pytorch.autolog()
    autotrack.pytorch.autolog(disable=True)
    assert torch.Tensor.backward is original_backward and torch.optim.Optimizer.__init__ is original_init
    model = make_model()
    train(model, torch.optim.SGD(model.parameters(), lr=0.01), steps=3)
    assert autotrack.active_run() is None and autotrack.search_runs(output_format="list") == []


def test_script_exit_saves_the_model_and_ends_the_run(tmp_path):
    script = textwrap.dedent(
        """
        import torch, autotrack
        autotrack.autolog()
        model = torch.nn.Linear(3, 1)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
        for _ in range(10):
            optimizer.zero_grad()
            loss = model(torch.ones(4, 3)).pow(2).mean()
            loss.backward()
            optimizer.step()
        print(autotrack.last_active_run().info.run_id)
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTRACK_")}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    client = autotrack.Client(str(tmp_path / "autotrack-runs"))
    run = client.get_run(out.stdout.strip())
    assert run.info.status == RunStatus.FINISHED
    assert len(client.get_metric_history(run.info.run_id, "train_loss")) == 10
    assert "model/state_dict.pth" in {f.path for f in client.list_artifacts(run.info.run_id, "model")}
