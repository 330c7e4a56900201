"""autolog() with a plain PyTorch loop: no Lightning, no callbacks, no logging calls.

Building the optimizer begins the run; every `optimizer.step()` logs the loss
of the last `.backward()`; the scheduler's lr changes are logged; `end_run()`
saves the model. Synthetic regression; a few seconds on a CPU.
"""

import torch

import autotrack

autotrack.set_experiment("pytorch-autolog")
autotrack.autolog()

torch.manual_seed(0)
X = torch.randn(2048, 16)
y = (X[:, :4].sum(dim=1, keepdim=True) - X[:, 4:8].mean(dim=1, keepdim=True)).tanh()
model = torch.nn.Sequential(torch.nn.Linear(16, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.3)

for _epoch in range(10):
    for batch in range(0, len(X), 256):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(X[batch:batch + 256]), y[batch:batch + 256])
        loss.backward()
        optimizer.step()
        scheduler.step()

run = autotrack.last_active_run()  # still RUNNING: the training ends with end_run() or at exit
client = autotrack.Client()
losses = client.get_metric_history(run.info.run_id, "train_loss")
print(f"run {run.info.run_id} ({run.info.status}): optimizer {run.data.params['optimizer']}, "
      f"lr {run.data.params['lr']}, {run.data.params['model_total_params']} parameters")
print(f"  train_loss over {len(losses)} steps: {losses[0].value:.4f} -> {losses[-1].value:.4f}")
print("  lr changes:", [(m.step, round(m.value, 6)) for m in client.get_metric_history(run.info.run_id, "lr")])
autotrack.end_run()
print("  after end_run:", autotrack.last_active_run().info.status,
      [f.path for f in client.list_artifacts(run.info.run_id, "model")])
reloaded = autotrack.pytorch.load_model(f"runs:/{run.info.run_id}/model")
print("  reloaded model predicts the same:", torch.equal(reloaded(X[:5]), model(X[:5])))
