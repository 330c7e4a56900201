"""PyTorch plain training loops: autologging without Lightning, and the pytorch flavor.

How a run begins and ends. Constructing an optimizer begins a training: with
no active run, autolog starts one (and owns it); inside a run the user
started, it logs there. The training ends, its modules are saved and an
autolog-owned run is ended when the user calls `end_run()`, when a new
optimizer is built after the current training has stepped (a new training),
or at interpreter exit. Until then the run stays active, so
`autotrack.last_active_run()` right after the loop shows everything.

What is logged: the optimizer's class and hyperparameters (`lr`, `momentum`,
`weight_decay`, `betas`, ...) at construction; the modules it optimizes
(found among the caller's variables), as parameter counts and an
architecture summary; at every `optimizer.step()`, the scalar loss on which
`.backward()` was last called, as `train_loss` at that step (CPU losses are
read at once; GPU losses are kept on the device and read 100 at a time, so
the loop gains no extra synchronization); `lr` whenever a scheduler or the
user changes it; the modules' weights (`state_dict`) at the end.
"""

from __future__ import annotations

import os
import sys
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autotrack import autologging, fluent, system_tags
from autotrack.autologging import AutologSettings
from autotrack.exceptions import InvalidInput
from autotrack.models import model as models
from autotrack.models.trust import check_pickle, sign_pickle
from autotrack.optional import require
from autotrack.patching import registry

__all__ = ["autolog", "load_model", "load_state_dict", "log_model", "save_model"]

FLAVOR = "pytorch"
MODEL_FILE = "model.pth"
STATE_DICT_FILE = "state_dict.pth"
GPU_LOSS_BATCH = 100
IMPLEMENTATION_FLAGS = {"foreach", "fused", "differentiable", "capturable"}  # how, not what: not logged


def _torch():
    return require("torch", "torch", "autotrack.pytorch")


# -- the model flavor -----------------------------------------------------
def save_model(pytorch_model: Any, path: str | os.PathLike, *, signature=None, input_example=None,
               serialization_format: str | None = None, **options: Any) -> models.Model:
    """The whole module (`model.pth`) and its weights alone (`state_dict.pth`, loadable without pickle).

    A TorchScript module (`torch.jit.script`/`trace`) is written with `torch.jit.save` (no pickled Python
    code, so it loads without trust). `options` are MLflow's: pip_requirements, extra_pip_requirements,
    conda_env, code_paths, metadata."""
    torch = _torch()
    if serialization_format not in (None, "pickle"):
        raise InvalidInput(f"serialization_format={serialization_format!r}: autotrack saves PyTorch models with "
                           "torch.save ('pickle', the default) or, for TorchScript modules, torch.jit.save.")
    scripted = isinstance(pytorch_model, torch.jit.ScriptModule)

    def write(folder: Path) -> dict:
        config = {"model_data": MODEL_FILE, "model_path": MODEL_FILE, "state_dict": STATE_DICT_FILE,
                  "model_class": f"{type(pytorch_model).__module__}.{type(pytorch_model).__qualname__}",
                  "pytorch_version": str(torch.__version__)}
        torch.save(pytorch_model.state_dict(), folder / STATE_DICT_FILE)
        if scripted:
            torch.jit.save(pytorch_model, str(folder / MODEL_FILE))
            return {**config, "serialization_format": "torchscript"}
        torch.save(pytorch_model, folder / MODEL_FILE)
        return {**config, "serialization_format": "pickle", "pickle_signature": sign_pickle(folder / MODEL_FILE)}

    return models.save_model(path, write, FLAVOR, ["torch", "numpy"], signature=signature,
                             input_example=input_example, pyfunc_loader=__name__, **options)


log_model = models.flavor_logger(save_model, "pytorch_model")


def load_model(model_uri: str, map_location: Any = None, trust_pickle: bool = False) -> Any:
    """The whole module. It is unpickled, so it loads if this user wrote it, or with `trust_pickle=True`;
    `load_state_dict` reads the weights of any model safely."""
    torch = _torch()
    path, config = models.flavor_files(model_uri, FLAVOR)
    file = path / config["model_data"]
    if config.get("serialization_format") == "torchscript":  # TorchScript code, no pickled Python: nothing to trust
        return torch.jit.load(str(file), map_location=map_location)
    check_pickle(file, config.get("pickle_signature"), model_uri, trust_pickle)
    return torch.load(file, map_location=map_location, weights_only=False)


def load_state_dict(model_uri: str, map_location: Any = None) -> dict:
    """The weights only, read without unpickling code (`weights_only=True`)."""
    torch = _torch()
    path, config = models.flavor_files(model_uri, FLAVOR)
    return torch.load(path / config["state_dict"], map_location=map_location, weights_only=True)


# -- autologging ----------------------------------------------------------
autolog = autologging.library_autolog("pytorch", "plain PyTorch training loops")


@dataclass
class _Training:
    run_id: str
    owned: bool  # autolog started the run, so autolog ends it
    modules: list = field(default_factory=list)
    optimizer_ids: set = field(default_factory=set)  # the optimizers of this training
    first_optimizer: Any = None  # a weak reference: the global step counts its steps
    step: int = 0
    writer: Any = None  # the client's background writer
    last_lr: float | None = None
    gpu_losses: list = field(default_factory=list)


class _State:
    """The one training in progress (plain loops train one thing at a time per process)."""

    training: _Training | None = None
    last_loss: Any = None


def patch(settings: AutologSettings) -> None:
    import torch
    from torch.optim.optimizer import register_optimizer_step_post_hook

    def wrap_init(original):
        def __init__(optimizer, *args, **kwargs):
            original(optimizer, *args, **kwargs)
            caller = sys._getframe(1)
            autologging.safely(settings, "pytorch", lambda: _begin(settings, optimizer, caller))

        return __init__

    def wrap_backward(original):
        def backward(tensor, *args, **kwargs):
            if _State.training is not None and tensor.numel() == 1:
                _State.last_loss = tensor
            return original(tensor, *args, **kwargs)

        return backward

    def after_step(optimizer, args, kwargs) -> None:
        training = _State.training  # the hot path: no allocation beyond the metric itself
        if training is not None and training.first_optimizer() is optimizer:
            try:
                _on_step(training, optimizer)
            except Exception as error:
                autologging.warn(settings, "pytorch", error)

    def before_end(run_id: str) -> None:
        training = _State.training
        if training is not None and training.run_id == run_id:
            _State.training = None
            autologging.safely(settings, "pytorch", lambda: _finish(settings, training))

    registry.apply("pytorch", torch.optim.Optimizer, "__init__", wrap_init)
    registry.apply("pytorch", torch.Tensor, "backward", wrap_backward)
    handle = register_optimizer_step_post_hook(after_step)
    registry.on_revert("pytorch", handle.remove)
    fluent.before_end_hooks.append(before_end)
    registry.on_revert("pytorch", lambda: fluent.before_end_hooks.remove(before_end))
    registry.on_revert("pytorch", _forget)


def _forget() -> None:
    _State.training, _State.last_loss = None, None


def _client():
    return fluent._get_client()


def _begin(settings: AutologSettings, optimizer: Any, caller) -> None:
    """An optimizer was built: join the current training or begin a new one."""
    from autotrack import fluent
    from autotrack.entities import Param

    training = _State.training
    if training is not None and training.step > 0:  # it trained already: this is a new training
        if training.owned:
            fluent.end_run()  # saves its modules through the end-run hook
        _State.training = training = None
    if training is None:
        active = fluent.active_run()
        if active is not None and settings.exclusive:
            return
        if active is None:
            tags = {system_tags.AUTOLOGGING: "pytorch", **{str(k): str(v) for k, v in settings.extra_tags.items()}}
            run_id, owned = fluent.start_run(tags=tags, capture=settings.capture).info.run_id, True
        else:
            run_id, owned = active.info.run_id, False
        training = _State.training = _Training(run_id, owned, writer=_client()._writer)
    training.optimizer_ids.add(id(optimizer))
    if training.first_optimizer is None:
        training.first_optimizer = weakref.ref(optimizer)
    count = len(training.optimizer_ids)
    prefix = "optimizer" if count == 1 else f"optimizer_{count}"
    params = [Param(prefix, type(optimizer).__name__)]
    for key, value in optimizer.defaults.items():
        if key in IMPLEMENTATION_FLAGS:
            continue
        if isinstance(value, (int, float, str, bool, tuple)) or value is None:
            params.append(Param(f"{prefix}_{key}" if prefix != "optimizer" else key, value))
    modules = _optimized_modules(optimizer, caller)
    new_modules = [m for m in modules if all(m is not known for known in training.modules)]
    training.modules.extend(new_modules)
    for index, module in enumerate(new_modules):
        name = "model" if not training.modules[:-len(new_modules)] and index == 0 else f"model_{len(training.modules) - len(new_modules) + index}"
        total = sum(p.numel() for p in module.parameters())
        trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
        params += [Param(f"{name}_class", type(module).__name__), Param(f"{name}_total_params", total),
                   Param(f"{name}_trainable_params", trainable)]
        _client().log_text(training.run_id, str(module), f"{name}_summary.txt")
    _client().log_batch(training.run_id, params=params)
    training.last_lr = optimizer.param_groups[0].get("lr")


def _optimized_modules(optimizer: Any, caller) -> list:
    """Modules, among the constructing code's variables (and `self`'s), whose parameters this optimizer holds."""
    import torch

    wanted = {id(p) for group in optimizer.param_groups for p in group["params"]}
    frame, candidates = caller, []
    while frame is not None and frame.f_globals.get("__name__", "").startswith("torch"):
        frame = frame.f_back  # skip subclasses' __init__ calling super().__init__
    if frame is not None:
        values = list(frame.f_locals.values())
        owner = frame.f_locals.get("self")
        if owner is not None and hasattr(owner, "__dict__"):
            values += list(vars(owner).values())
        candidates = [v for v in values if isinstance(v, torch.nn.Module)]
    found = []
    for module in candidates:
        ids = {id(p) for p in module.parameters()}
        if ids and ids <= wanted and all(module is not f for f in found):
            found.append(module)
    # keep only the outermost: drop a module that is a submodule of another found one
    return [m for m in found if not any(m is not o and any(m is s for s in o.modules()) for o in found)]


def _on_step(training: _Training, optimizer: Any) -> None:
    """After each step of the training's first optimizer: the loss of the last backward, and lr changes."""
    training.step = steps = training.step + 1
    loss, _State.last_loss = _State.last_loss, None
    if loss is not None:
        if loss.is_cpu:  # reading a CPU tensor costs no synchronization
            # straight into the writer's buffer: the key is fixed and the value a float already
            training.writer.log((training.run_id, "train_loss", loss.item(), int(time.time() * 1000), steps))
        else:
            training.gpu_losses.append((steps, loss.detach()))
            if len(training.gpu_losses) >= GPU_LOSS_BATCH:
                _flush_gpu_losses(training)
    lr = optimizer.param_groups[0].get("lr")
    if lr != training.last_lr and isinstance(lr, (int, float)):
        training.last_lr = lr
        _client().log_metric(training.run_id, "lr", float(lr), step=steps)


def _flush_gpu_losses(training: _Training) -> None:
    if not training.gpu_losses:
        return
    import torch

    steps = [step for step, _ in training.gpu_losses]
    values = torch.stack([loss.reshape(()).float() for _, loss in training.gpu_losses]).cpu().tolist()  # one sync
    training.gpu_losses.clear()
    client = _client()
    for step, value in zip(steps, values):
        client.log_metric(training.run_id, "train_loss", value, step=step)


def _finish(settings: AutologSettings, training: _Training) -> None:
    """The training ends: read what is left on the GPU, save the modules."""
    from autotrack import fluent

    _flush_gpu_losses(training)
    if settings.log_models and training.modules and fluent.active_run() is not None:
        for index, module in enumerate(training.modules):
            log_model(module, "model" if index == 0 else f"model_{index}")


class _PyFunc:
    """predict() for pyfunc: the module in eval mode, without gradients, float32 in, numpy out."""

    def __init__(self, module: Any):
        self.module = module.eval()

    def predict(self, data: Any) -> Any:
        import numpy as np
        import torch

        array = data.to_numpy() if hasattr(data, "to_numpy") else np.asarray(data)
        with torch.no_grad():
            return self.module(torch.as_tensor(array, dtype=torch.float32)).numpy()


def _load_pyfunc(path: str, trust_pickle: bool = False) -> _PyFunc:
    return _PyFunc(load_model(path, trust_pickle=trust_pickle))
