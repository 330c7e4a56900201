"""`autotrack runs show` (its context part) and `autotrack runs diff`: what produced a run, and what changed.

The context comes from the run's `autotrack.context.*` and git tags and its
`context/` artifacts; a run that did not repeat its parent's packages
(`packages.sameAs`), or an earlier run's git.diff (`git.diffSameAs`), is read through the run that holds it.
"""

from __future__ import annotations

from typing import Any

import click

from autotrack import context, system_tags
from autotrack.cli_common import _client, _console, _table

__all__ = ["print_context", "runs_diff"]

_T = context.TAG_PREFIX
_HOST_KEYS = ("hostname", "platform", "python", "executable", "cpu", "cpuCount", "gpu", "gpuCount")
_CONSOLE_LINES = 20


def _artifact_text(client: Any, run_id: str, path: str) -> str | None:
    """An artifact's text, or None when the run has none (or it cannot be read)."""
    import os
    import tempfile

    from autotrack.exceptions import AutotrackException

    with tempfile.TemporaryDirectory(prefix="autotrack-cli-") as folder:
        try:
            local = client.download_artifacts(run_id, path, folder)
        except (AutotrackException, OSError):
            return None
        if not os.path.isfile(local):
            return None
        with open(local, encoding="utf-8", errors="replace") as file:
            return file.read()


def _packages_run(run: Any) -> str:
    return run.data.tags.get(context.PACKAGES_SAME_AS) or run.info.run_id


def packages(client: Any, run: Any) -> dict[str, str] | None:
    """{name: version} of the run's environment, or None when it recorded none."""
    text = _artifact_text(client, _packages_run(run), context.REQUIREMENTS)
    if text is None:
        return None
    found = {}
    for line in text.splitlines():
        name, sep, version = line.strip().partition("==")
        if sep:
            found[name] = version
    return found


def _top_level(client: Any, run: Any) -> str:
    tags = run.data.tags
    if context.PACKAGES_TOP_LEVEL in tags:
        return tags[context.PACKAGES_TOP_LEVEL]
    holder = tags.get(context.PACKAGES_SAME_AS)
    if holder:
        try:
            return client.get_run(holder).data.tags.get(context.PACKAGES_TOP_LEVEL, "") + f"  (as in run {holder})"
        except Exception:
            return f"as in run {holder}"
    return ""


def print_context(client: Any, run: Any, console: Any) -> None:
    """The Context table (code, command, host, packages) and the console's last lines, under `runs show`."""
    context.flush()  # a run of this process may have files still pending
    tags = run.data.tags
    dirty = tags.get(context.GIT_DIRTY)
    diff_in = (f"run {tags[context.GIT_DIFF_SAME_AS]}'s " if context.GIT_DIFF_SAME_AS in tags else "") + context.GIT_DIFF
    rows = (
        ("Commit", tags.get(system_tags.SOURCE_GIT_COMMIT, "")),
        ("Branch", tags.get(context.GIT_BRANCH, "")),
        ("Remote", tags.get(context.GIT_REPO_URL, "")),
        ("Dirty", "" if dirty is None else (f"yes (diff in {diff_in})" if dirty == "true" else "no")),
        ("Command", tags.get(_T + "command", "")),
        ("Entry point", tags.get(_T + "entryPoint", "")),
        ("Host", tags.get(_T + "hostname", "")),
        ("User", tags.get(system_tags.USER, "")),
        ("Python", tags.get(_T + "python", "")),
        ("Platform", tags.get(_T + "platform", "")),
        ("CPU", f"{tags.get(_T + 'cpu', '')} x{tags[_T + 'cpuCount']}" if _T + "cpuCount" in tags else ""),
        ("GPU", f"{tags.get(_T + 'gpu', '')} x{tags[_T + 'gpuCount']}" if tags.get(_T + "gpuCount", "0") != "0" else ""),
        ("Packages", _top_level(client, run)),
    )
    table = _table("Context", "Field", "Value")
    shown = 0
    for field, value in rows:
        if value:
            table.add_row(field, value)
            shown += 1
    console.print(table if shown else "[bold]Context[/bold]: none recorded")
    text = _artifact_text(client, run.info.run_id, context.CONSOLE_LOG)
    if text:
        lines = text.rstrip("\n").split("\n")
        console.print(f"[bold]Console[/bold] (last {min(len(lines), _CONSOLE_LINES)} of {len(lines)} lines, "
                      f"{context.CONSOLE_LOG})")
        from rich.text import Text

        for line in lines[-_CONSOLE_LINES:]:
            console.print(Text(line), soft_wrap=True)


def _user_tags(run: Any) -> dict[str, str]:
    return {k: v for k, v in run.data.tags.items() if not k.startswith(("autotrack.", "mlflow."))}


def differences(client: Any, a: Any, b: Any) -> list[tuple[str, str, str, str]]:
    """(section, key, value in A, value in B) for everything that differs: params, tags, code, packages, host."""
    rows: list[tuple[str, str, str, str]] = []

    def compare(section: str, left: dict, right: dict) -> None:
        for key in sorted(set(left) | set(right)):
            if left.get(key) != right.get(key):
                rows.append((section, key, left.get(key, "-"), right.get(key, "-")))

    compare("params", dict(a.data.params), dict(b.data.params))
    compare("tags", _user_tags(a), _user_tags(b))
    code_keys = {"commit": system_tags.SOURCE_GIT_COMMIT, "branch": context.GIT_BRANCH,
                 "remote": context.GIT_REPO_URL, "dirty": context.GIT_DIRTY}
    compare("code", *({name: run.data.tags[tag] for name, tag in code_keys.items() if tag in run.data.tags}
                      for run in (a, b)))
    if a.data.tags.get(context.GIT_DIRTY) == "true" or b.data.tags.get(context.GIT_DIRTY) == "true":
        diffs = [_artifact_text(client, run.data.tags.get(context.GIT_DIFF_SAME_AS) or run.info.run_id, context.GIT_DIFF)
                 or "" for run in (a, b)]
        if diffs[0] != diffs[1]:
            rows.append(("code", "git.diff", *(f"{len(d.splitlines())} lines" if d else "-" for d in diffs)))
    compare("run", *({k: run.data.tags[_T + k] for k in ("command", "entryPoint") if _T + k in run.data.tags}
                     for run in (a, b)))
    if a.data.tags.get(context.PACKAGES_HASH) != b.data.tags.get(context.PACKAGES_HASH):
        left, right = packages(client, a), packages(client, b)
        if left is not None and right is not None:
            compare("packages", left, right)
    compare("host", *({k: run.data.tags[_T + k] for k in _HOST_KEYS if _T + k in run.data.tags} for run in (a, b)))
    return rows


@click.command("diff")
@click.argument("run_a")
@click.argument("run_b")
@click.pass_context
def runs_diff(ctx: click.Context, run_a: str, run_b: str) -> None:
    """What differs between two runs: params, user tags, code (commit, diff), command, packages, host."""
    client = _client(ctx)
    context.flush()
    a, b = client.get_run(run_a), client.get_run(run_b)
    rows = differences(client, a, b)
    if not rows:
        click.echo(f"No differences between {run_a} and {run_b} in params, tags, code, command, packages or host.")
        return
    console = _console()
    console.print(f"A: {run_a} ({a.info.run_name})\nB: {run_b} ({b.info.run_name})")
    table = _table("Differences", "What", "Key", "A", "B")
    for row in rows:
        table.add_row(*row)
    console.print(table)
