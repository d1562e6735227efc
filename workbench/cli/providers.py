"""CLI commands for providers and their keys: `workbench provider add|list|test|remove`
and `workbench keys set|status|delete`. A key is read without echo and never printed."""

from __future__ import annotations

import sys

import click

from workbench.cli.common import UserError, _echo_json, _store, user_errors

_errors = user_errors("workbench.errors:WorkbenchError")
KIND_CHOICES = ["openai", "azure", "together", "openai-compatible"]


@click.group()
def provider() -> None:
    """Where models are trained or served (no secrets here: keys live in the OS keyring)."""


@provider.command(name="add")
@click.argument("name")
@click.option("--kind", type=click.Choice(KIND_CHOICES), required=True)
@click.option("--base-url", help="API base URL (Azure: https://RESOURCE.openai.azure.com/openai/v1/; required for "
                                 "openai-compatible).")
@click.option("--api-version", help="Azure only: use AzureOpenAI with this api_version instead of the v1 URL.")
@click.option("--organization", help="OpenAI organisation id.")
@click.option("--training-type", help="Azure only: training tier sent as extra_body trainingType (e.g. Standard).")
@click.option("--no-key", is_flag=True, help="The host needs no API key (a local vLLM or Ollama).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_errors
def provider_add(ctx, name, kind, base_url, api_version, organization, training_type, no_key, as_json) -> None:
    """Record a provider named NAME."""
    from workbench.providers import add_provider

    row = add_provider(_store(ctx), name, kind, base_url, api_version, organization, training_type,
                       key_required=not no_key)
    if as_json:
        _echo_json(row)
        return
    click.echo(f"Added provider {row['name']} ({row['kind']}, {row['base_url'] or 'default URL'}).")
    if not no_key:
        click.echo(f"Store its key with `workbench keys set {row['name']}`.")


@provider.command(name="list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_errors
def provider_list(ctx, as_json: bool) -> None:
    """List providers with where each key comes from (keyring, env, missing)."""
    from workbench.providers import list_providers

    rows = list_providers(_store(ctx))
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("No providers yet: `workbench provider add NAME --kind together`.")
        return
    for row in rows:
        trains = "trains" if row["capabilities"].get("sft") else "chat only"
        click.echo(f"{row['name']:<20} {row['kind']:<18} {trains:<10} key: {row['key']:<8} "
                   f"{row['base_url'] or '(default URL)'}")


@provider.command(name="test")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_errors
def provider_test(ctx, name: str, as_json: bool) -> None:
    """Reach the provider with its key (lists its models)."""
    from workbench.providers import check_provider

    result = check_provider(_store(ctx), name)
    _echo_json(result) if as_json else click.echo(f"{name}: OK, {result['models']} models visible.")


@provider.command(name="remove")
@click.argument("name")
@click.option("--delete-key", is_flag=True, help="Also delete its key from the keyring.")
@click.pass_context
@_errors
def provider_remove(ctx, name: str, delete_key: bool) -> None:
    """Remove a provider (refused while jobs point at it)."""
    from workbench.providers import remove_provider

    remove_provider(_store(ctx), name, delete_key=delete_key)
    click.echo(f"Removed provider {name}.")


@provider.command(name="models")
@click.argument("name")
@click.option("--base", "base_model", help="The base model to change (or add) with --set.")
@click.option("--set", "assignments", multiple=True, metavar="COLUMN=VALUE",
              help="context_limit, price_training_per_1m, methods, min_examples, epochs_rule (JSON or none), "
                   "encoding, notes. Repeatable.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_errors
def provider_models(ctx, name: str, base_model: str | None, assignments: tuple[str, ...], as_json: bool) -> None:
    """The training catalogue of provider NAME: base models, limits, prices, rules (editable)."""
    from workbench.providers.catalogue import set_training_model, training_models

    store = _store(ctx)
    if assignments:
        if not base_model:
            raise UserError("--set needs --base MODEL (the row to change or add).")
        pairs = {}
        for item in assignments:
            column, sep, value = item.partition("=")
            if not sep:
                raise UserError(f"--set {item!r}: write COLUMN=VALUE, e.g. price_training_per_1m=0.48.")
            pairs[column.strip()] = value.strip()
        row = set_training_model(store, name, base_model, pairs)
        if as_json:
            _echo_json(row)
        else:
            click.echo(f"{name}: {base_model} updated ({', '.join(pairs)}).")
        return
    rows = training_models(store, name)
    if base_model:
        rows = [r for r in rows if r["base_model"] == base_model]
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo(f"No training catalogue rows for {name}.")
        return
    click.echo(f"{'base model':<50} {'context':>8} {'$/1M':>7} {'min':>4}  methods         epochs")
    for row in rows:
        price = "-" if row["price_training_per_1m"] is None else f"{row['price_training_per_1m']:.2f}"
        epochs = (f"default {row['epochs_rule'].get('default_epochs', '?')}" if row["epochs_rule"]
                  else "workspace rule")
        edited = "  (edited)" if row["source"] == "user" else ""
        click.echo(f"{row['base_model']:<50} {row['context_limit']:>8} {price:>7} {row['min_examples']:>4}  "
                   f"{','.join(row['methods']):<15} {epochs}{edited}")


@click.group()
def keys() -> None:
    """API keys in the OS keyring (service "ft-workbench"); env vars are the fallback."""


def _read_secret() -> str:
    if sys.stdin.isatty():
        return click.prompt("API key (not shown)", hide_input=True, default="", show_default=False)
    return sys.stdin.readline().strip()  # piped: `pass show x | workbench keys set p`


@keys.command(name="set")
@click.argument("name")
@click.pass_context
@_errors
def keys_set(ctx, name: str) -> None:
    """Store provider NAME's key in the keyring (read without echo, or from a pipe)."""
    from workbench.providers import get_provider
    from workbench.providers.keys import set_key

    row = get_provider(_store(ctx), name)
    secret = _read_secret()
    if not secret:
        raise UserError("No key given; nothing stored.")
    set_key(row["name"], row["kind"], secret)
    _store(ctx).audit("key_set", "provider", row["id"], {"name": name})
    click.echo(f"Stored the key for {name} in the OS keyring.")


@keys.command(name="status")
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_errors
def keys_status(ctx, name: str | None, as_json: bool) -> None:
    """Where each provider's key comes from. Never prints a key."""
    from workbench.providers import get_provider
    from workbench.providers.keys import NO_BACKEND_HINT, key_status, keyring_available

    store = _store(ctx)
    rows = [get_provider(store, name)] if name else store.providers.list_providers()
    statuses = [key_status(r["name"], get_provider(store, r["name"])["kind"]).to_dict() for r in rows]
    if as_json:
        _echo_json({"keyring_available": keyring_available(), "keys": statuses})
        return
    if not keyring_available():
        click.echo(NO_BACKEND_HINT.format(env="OPENAI_API_KEY, AZURE_OPENAI_API_KEY or TOGETHER_API_KEY"))
    for status in statuses:
        where = {"keyring": "in the OS keyring", "env": f"from ${status['env_var']}",
                 "missing": "missing"}[status["source"]]
        click.echo(f"{status['provider']:<20} {where}")


@keys.command(name="delete")
@click.argument("name")
@click.pass_context
@_errors
def keys_delete(ctx, name: str) -> None:
    """Delete provider NAME's key from the keyring."""
    from workbench.providers import get_provider
    from workbench.providers.keys import delete_key

    row = get_provider(_store(ctx), name)
    removed = delete_key(row["name"], row["kind"])
    click.echo(f"Deleted the key for {name}." if removed else f"No key for {name} in the keyring.")
