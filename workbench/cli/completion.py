"""Shell completion (click's own mechanism) and `workbench completion bash|zsh|fish`.

The shell calls the program with `_WORKBENCH_COMPLETE=bash_complete` (zsh_complete,
fish_complete) and click answers; the callbacks here add the names a user would
otherwise have to look up: datasets, golden sets and rating sessions, read from the
store the command line points at (`--db`, else the default store). Completion never
creates a store and never fails loudly: no store, no names.
"""

from __future__ import annotations

from pathlib import Path

import click
from click.shell_completion import CompletionItem, get_completion_class

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_WORKBENCH_COMPLETE"
PROG_NAME = "workbench"


def _store_path(ctx: click.Context) -> Path | None:
    db = ctx.find_root().params.get("db")
    if db:
        return Path(db)
    from workbench import paths

    return paths.default_db_path()


def _names(ctx: click.Context, list_names) -> list[str]:
    """Names from the store, or none if there is no store yet or it cannot be read."""
    path = _store_path(ctx)
    if path is None or not path.is_file():
        return []
    try:
        from workbench.workspace import open_store

        store = open_store(path, seed_sample=False)
    except Exception:  # noqa: BLE001 - a Tab press must never print a traceback
        return []
    try:
        return list_names(store)
    except Exception:  # noqa: BLE001
        return []
    finally:
        store.close()


def _matching(names: list[str], incomplete: str) -> list[CompletionItem]:
    return [CompletionItem(name) for name in names if name.startswith(incomplete)]


def complete_dataset(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    return _matching(_names(ctx, lambda s: [r["name"] for r in s.datasets.list_datasets()]), incomplete)


def complete_dataset_or_file(ctx: click.Context, param: click.Parameter,
                             incomplete: str) -> list[CompletionItem]:
    """Dataset names, and the shell's own file completion (for commands taking either)."""
    return complete_dataset(ctx, param, incomplete) + [CompletionItem(incomplete, type="file")]


def complete_golden_set(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    return _matching(_names(ctx, lambda s: [r["name"] for r in s.golden.list_golden_sets()]), incomplete)


def complete_session(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    return _matching(_names(ctx, lambda s: [r["name"] for r in s.ratings.list_rating_sessions()]), incomplete)


def completion_script(root: click.Command, shell: str) -> str:
    """The script that `eval`ing (bash, zsh) or sourcing (fish) turns completion on."""
    cls = get_completion_class(shell)
    if cls is None:
        raise click.BadParameter(f"unsupported shell {shell!r}; choose one of {', '.join(SHELLS)}")
    return cls(root, {}, PROG_NAME, COMPLETE_VAR).source()


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the shell completion script for bash, zsh or fish.

    Completes commands, options, and dataset, golden-set and session names from the store.

    \b
    Examples:
      workbench completion bash >> ~/.bashrc
      eval "$(workbench completion zsh)"
      workbench completion fish > ~/.config/fish/completions/workbench.fish
    """
    click.echo(completion_script(ctx.find_root().command, shell), nl=False)
