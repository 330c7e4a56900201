"""A grid search that never lists its grid: each point is an index read digit by digit.

Optuna's GridSampler builds the whole product of the value lists before the
first trial: three parameters of 1,000 values each is 10^9 tuples, 7.6 GB in
30 s, and not one trial started even with `run_cap: 20`. Here a grid point is
an integer in [0, size) decoded in mixed radix (one digit per parameter), the
order is a seeded random walk over the indices, and the only state is the set
of indices already visited: memory and time grow with the trials run, not
with the grid. It is an Optuna sampler, so the study, pruners and resume work
as for every other algorithm.
"""

from __future__ import annotations

import math
import random
from typing import Any, Mapping, Sequence

import optuna

from autotrack.exceptions import InvalidInput

__all__ = ["LazyGridSampler"]

SHUFFLE_LIMIT = 100_000  # grids up to this size are shuffled whole; larger ones draw indices at random


class LazyGridSampler(optuna.samplers.BaseSampler):
    """Each grid point once, in a random order fixed by `seed`; the sweep's budget ends the search."""

    def __init__(self, grid: Mapping[str, Sequence[Any]], seed: int | None = None) -> None:
        self._names = list(grid)
        self._values = [list(values) for values in grid.values()]
        self._radix = [len(values) for values in self._values]
        self.size = math.prod(self._radix)
        self._rng = random.Random(seed)
        self._order: list[int] | None = None
        self._visited: set[int] = set()
        self._points: dict[int, int] = {}  # trial number -> grid index
        self._positions: list[dict[Any, int]] | None = None  # value -> digit, to read back replayed trials
        self._synced = 0  # trials of the study already looked at

    def infer_relative_search_space(self, study: Any, trial: Any) -> dict:
        return {}

    def sample_relative(self, study: Any, trial: Any, search_space: dict) -> dict:
        return {}

    def sample_independent(self, study: Any, trial: Any, param_name: str, param_distribution: Any) -> Any:
        if param_name not in self._names:
            raise InvalidInput(f"algo='grid': '{param_name}' has no list of values in the grid.")
        index = self._points.get(trial.number)
        if index is None:
            index = self._points[trial.number] = self._next_index(study)
        return self.point(index)[param_name]

    def point(self, index: int) -> dict[str, Any]:
        """The params at a grid index (the last parameter varies fastest)."""
        point = {}
        for name, values, radix in zip(reversed(self._names), reversed(self._values), reversed(self._radix)):
            index, digit = divmod(index, radix)
            point[name] = values[digit]
        return point

    def _next_index(self, study: Any) -> int:
        self._sync(study)
        if len(self._visited) >= self.size:  # every point seen (more trials than points): walk it again
            self._visited.clear()
            self._order = None
        if self.size <= SHUFFLE_LIMIT:
            if self._order is None:
                self._order = [i for i in range(self.size) if i not in self._visited]
                self._rng.shuffle(self._order)
            index = self._order.pop()
            while index in self._visited:
                index = self._order.pop()
        else:  # the visited indices are a vanishing share of the grid: redraws are rare
            index = self._rng.randrange(self.size)
            while index in self._visited:
                index = self._rng.randrange(self.size)
        self._visited.add(index)
        return index

    def _sync(self, study: Any) -> None:
        """Trials added to the study without asking (a resumed sweep's replay) take their points too."""
        trials = study.get_trials(deepcopy=False)
        for trial in trials[self._synced:]:
            if trial.number not in self._points and all(name in trial.params for name in self._names):
                index = self._index_of(trial.params)
                if index is not None:
                    self._visited.add(index)
        self._synced = len(trials)

    def _index_of(self, params: Mapping[str, Any]) -> int | None:
        if self._positions is None:
            self._positions = [{} for _ in self._values]
            for positions, values in zip(self._positions, self._values):
                for digit, value in enumerate(values):
                    positions.setdefault(value, digit)
        index = 0
        for name, positions, radix in zip(self._names, self._positions, self._radix):
            digit = positions.get(params[name])
            if digit is None:
                return None
            index = index * radix + digit
        return index
