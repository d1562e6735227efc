"""Help that reads well: commands grouped into sections in `workbench --help`, an
"Examples:" block in every command's `--help`, and the version line.

Examples live here, keyed by command path, so a command group added on another branch
gets its examples with one edit in this table (a docstring or `epilog=` with its own
"Examples:" works too; a test walks the command tree and wants one everywhere).
"""

from __future__ import annotations

import click

#: Section of each top-level command in `workbench --help`, in display order.
SECTIONS: dict[str, tuple[str, ...]] = {
    "Data": ("import", "validate", "datasets", "versions", "export", "budget", "models", "undo", "redo",
             "health", "coverage", "duplicates", "report"),
    "Personal data": ("pii",),
    "Training and models": ("provider", "keys", "jobs", "kit", "registry", "generate"),
    "Evaluation": ("golden", "answers", "rate"),
    "Team and governance": ("snapshot", "risks", "audit"),
    "App and shell": ("tui", "completion", "doctor", "purge"),
}
OTHER_SECTION = "Other commands"

#: "Examples:" lines per command path (space-separated, without the program name).
EXAMPLES: dict[str, tuple[str, ...]] = {
    "undo": ("workbench undo --dataset support", "workbench undo --dataset support --json"),
    "redo": ("workbench redo --dataset support",),
    "rate import": ("workbench rate import crowd.jsonl --session crowd-2026-11",
                    "workbench rate import judgements.csv --session sheet --json"),
    "rate export": ("workbench rate export crowd-2026-11 --out crowd.jsonl",),
    "provider": ("workbench provider list", "workbench provider add together --kind together"),
    "provider add": ("workbench provider add openai --kind openai",
                     "workbench provider add local --kind openai-compatible --base-url http://127.0.0.1:8000/v1 --no-key",
                     "workbench provider add azure --kind azure --base-url https://RESOURCE.openai.azure.com/openai/v1/"),
    "provider list": ("workbench provider list", "workbench provider list --json"),
    "provider test": ("workbench provider test together",),
    "provider models": ("workbench provider models together",
                        "workbench provider models together --base Qwen/Qwen2.5-7B-Instruct --set price_training_per_1m=0.5",
                        "workbench provider models azure --base gpt-4.1-mini-2025-04-14 --set min_examples=10 --json"),
    "provider remove": ("workbench provider remove local", "workbench provider remove openai --delete-key"),
    "keys": ("workbench keys set together", "workbench keys status together"),
    "keys set": ("workbench keys set together          # asks without echo", "printf %s \"$KEY\" | workbench keys set openai"),
    "keys status": ("workbench keys status together", "workbench keys status openai --json"),
    "keys delete": ("workbench keys delete together",),
    "jobs": ("workbench jobs list", "workbench jobs watch"),
    "jobs launch": ("workbench jobs launch support@3 --provider together --base meta-llama/Meta-Llama-3.1-8B-Instruct-Reference",
                    "workbench jobs launch support@3 --provider openai --base gpt-4.1-mini-2025-04-14 --epochs 3 --yes"),
    "jobs list": ("workbench jobs list", "workbench jobs list --json"),
    "jobs show": ("workbench jobs show 9f35fa98", "workbench jobs show 9f35fa98 --json"),
    "jobs watch": ("workbench jobs watch", "workbench jobs watch --interval 30"),
    "jobs cancel": ("workbench jobs cancel 9f35fa98",),
    "kit": ("workbench kit support@3 --trainer trl --out kit/", "workbench kit support@3 --trainer axolotl --out kit/ --epochs 2"),
    "doctor": ("workbench doctor", "workbench doctor --json"),
    "purge": ("workbench purge version support 1", "workbench purge deleted support"),
    "purge version": ("workbench purge version support 1",),
    "purge golden": ("workbench purge golden support-golden",),
    "purge judgements": ("workbench purge judgements crowd-2026-11",),
    "purge rejections": ("workbench purge rejections support",),
    "purge deleted": ("workbench purge deleted support",),
    "registry": ("workbench registry list", "workbench registry show aurora-v3"),
    "registry list": ("workbench registry list", "workbench registry list --json"),
    "registry show": ("workbench registry show aurora-v3", "workbench registry show aurora-v3 --json"),
    "registry register": ("workbench registry register local:aurora-kit-7b --name kit-7b --dataset-sha256 SHA --endpoint http://gpu:8000/v1",),
    "registry note": ("workbench registry note aurora-v3 -m \"refund answers reviewed\" --limits \"no legal advice\"",),
    "registry refresh": ("workbench registry refresh gpt-4.1-mini-2025-04-14",),
    "registry retire": ("workbench registry retire aurora-v2 --reason \"superseded by v3\"",),
    "registry promote": ("workbench registry promote aurora-v3", "workbench registry promote aurora-v3 --override --reason \"hotfix\""),
    "registry rollback": ("workbench registry rollback --reason \"refund regressions\"",),
    "registry capture": ("workbench registry capture gpt-4.1-mini-2025-04-14",),
    "generate": ("workbench generate --set support-golden --model local:llama3.1",
                 "workbench generate --set support-golden@2 --model openai:gpt-4.1-mini --temperature 0 --seed 7 --json"),
    "health": ("workbench health support", "workbench health support --strict --json"),
    "coverage": ("workbench coverage require support refusals 5%", "workbench coverage remove support refusals"),
    "coverage require": ("workbench coverage require support \"intent:*\" 20", "workbench coverage require support language:fr 15%"),
    "coverage remove": ("workbench coverage remove support language:fr",),
    "duplicates": ("workbench duplicates support", "workbench duplicates support --threshold 0.9 --json"),
    "report": ("workbench report --out report.html", "workbench report --out report.html --model gpt-4.1-mini-2025-04-14"),
    "": ("workbench                     # open the app on the default store",
         "workbench import data.jsonl --dataset support",
         "workbench --db team.db datasets --json"),
    "tui": ("workbench tui", "workbench tui --db team.db"),
    "validate": ("workbench validate data.jsonl",
                 "workbench validate data.jsonl --model gpt-4o-mini-2024-07-18 --show 10",
                 "workbench validate data.jsonl --json | jq .counts_by_code"),
    "budget": ("workbench budget data.jsonl --model gpt-4o-mini-2024-07-18",
               "workbench budget support --provider together --model meta-llama/Meta-Llama-3.1-8B-Instruct-Reference",
               "workbench budget support --model gpt-4.1-mini-2025-04-14 --status approved --json"),
    "import": ("workbench import data.jsonl --dataset support",
               "workbench import data.csv --dataset support --skip-invalid",
               "workbench import data.jsonl --all          # every finding, not a summary"),
    "export": ("workbench export support --out build/ --status approved -m 'first cut'",
               "workbench export support --out build/ --validation-share 0 --json"),
    "datasets": ("workbench datasets", "workbench datasets --json | jq '.[].name'"),
    "versions": ("workbench versions support", "workbench versions support --json"),
    "models": ("workbench models list", "workbench models set my-model --limit 65536 --price 3"),
    "models list": ("workbench models list", "workbench models list --json"),
    "models set": ("workbench models set gpt-4o-mini-2024-07-18 --price 3.0",
                   "workbench models set my-llama --encoding cl100k_base --limit 8192"),
    "pii": ("workbench pii scan support", "workbench pii list support --decision pending",
            "workbench pii redact support --mode pseudonym"),
    "pii scan": ("workbench pii scan support", "workbench pii scan support --workers 4 --json"),
    "pii list": ("workbench pii list support", "workbench pii list support --entity EMAIL_ADDRESS --json"),
    "pii decide": ("workbench pii decide support 3fa2 --redact",
                   "workbench pii decide support 3fa2 --dismiss --same-value",
                   "workbench pii decide support --entity EMAIL_ADDRESS --redact"),
    "pii preview": ("workbench pii preview support", "workbench pii preview support --mode pseudonym --json"),
    "pii redact": ("workbench pii redact support", "workbench pii redact support --mode pseudonym --json"),
    "pii deny": ("workbench pii deny 'Jane Roe' 'Acme Ltd'", "workbench pii deny --remove 'Acme Ltd'"),
    "pii allow": ("workbench pii allow Aurora", "workbench pii allow --remove Aurora"),
    "pii spacy-model": ("workbench pii spacy-model ~/models/fr_core_news_md",
                        "workbench pii spacy-model --clear"),
    "golden": ("workbench golden import prompts.jsonl --set support-eval", "workbench golden list"),
    "golden import": ("workbench golden import prompts.jsonl --set support-eval -m 'v1'",
                      "workbench golden import prompts.csv --set support-eval --no-freeze"),
    "golden from-dataset": ("workbench golden from-dataset support --set support-eval --status approved",),
    "golden freeze": ("workbench golden freeze support-eval -m 'added refunds'",),
    "golden list": ("workbench golden list", "workbench golden list --json"),
    "answers": ("workbench answers import answers.jsonl --set support-eval",),
    "answers import": ("workbench answers import answers.jsonl --set support-eval",
                       "workbench answers import out.jsonl --set support-eval --model ft:gpt-4o-mini:v2"),
    "rate": ("workbench rate new --set support-eval --candidate v2 --baseline v1",
             "workbench rate report 'v2 vs v1'"),
    "rate new": ("workbench rate new --set support-eval --candidate v2 --baseline v1",
                 "workbench rate new --set support-eval --candidate v2 --baseline v1 --sequential --target-n 400"),
    "rate sessions": ("workbench rate sessions", "workbench rate sessions --json"),
    "rate whoami": ("workbench rate whoami", "workbench rate whoami alice"),
    "rate report": ("workbench rate report 'v2 vs v1'", "workbench rate report 'v2 vs v1' --json"),
    "rate leaderboard": ("workbench rate leaderboard", "workbench rate leaderboard --set support-eval --json"),
    "snapshot": ("workbench snapshot export team.snapshot", "workbench snapshot import team.snapshot --dry-run"),
    "snapshot export": ("workbench snapshot export team.snapshot",
                        "workbench snapshot export support.snapshot --datasets support --golden support-eval"),
    "snapshot inspect": ("workbench snapshot inspect team.snapshot", "workbench snapshot inspect team.snapshot --json"),
    "snapshot import": ("workbench snapshot import team.snapshot",
                        "workbench snapshot import team.snapshot --prefer theirs --json"),
    "snapshot conflicts": ("workbench snapshot conflicts", "workbench snapshot conflicts --json"),
    "snapshot resolve": ("workbench snapshot resolve 1a2b3c4d mine", "workbench snapshot resolve 1a2b3c4d both"),
    "risks": ("workbench risks add 'Customer names in training data' --severity high",
              "workbench risks list --status open"),
    "risks list": ("workbench risks list", "workbench risks list --severity high --json"),
    "risks add": ("workbench risks add 'Customer names in training data' --severity high --owner alice",),
    "risks show": ("workbench risks show 1a2b3c4d", "workbench risks show 1a2b3c4d --json"),
    "risks update": ("workbench risks update 1a2b3c4d --status mitigating",),
    "risks link": ("workbench risks link 1a2b3c4d dataset_version 5e6f7a8b --note 'scrubbed'",
                   "workbench risks link 1a2b3c4d link https://example.org/review"),
    "audit": ("workbench audit", "workbench audit --action exports --since 2026-11-01 --json"),
    "completion": ("workbench completion bash >> ~/.bashrc",
                   "workbench completion zsh > ~/.zfunc/_workbench",
                   "workbench completion fish > ~/.config/fish/completions/workbench.fish"),
}


def examples_epilog(lines: tuple[str, ...]) -> str:
    # \b keeps click from re-wrapping the block (one example per line).
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def has_examples(command: click.Command) -> bool:
    return "Examples:" in (command.help or "") or "Examples:" in (command.epilog or "")


def walk(command: click.Command, path: str = ""):
    """(path, command) for a command and everything under it."""
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from walk(sub, f"{path} {name}".strip())


def add_examples(root: click.Command) -> None:
    """Give every command with an entry in EXAMPLES its "Examples:" epilog, unless its
    own docstring or epilog already has one."""
    for path, command in walk(root):
        if path in EXAMPLES and not has_examples(command):
            command.epilog = examples_epilog(EXAMPLES[path])


class SectionedGroup(click.Group):
    """The root group: `workbench --help` lists commands in named sections."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows: dict[str, list[tuple[str, str]]] = {}
        placed = {name: title for title, names in SECTIONS.items() for name in names}
        limit = formatter.width - 6 - max((len(n) for n in self.list_commands(ctx)), default=0)
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            rows.setdefault(placed.get(name, OTHER_SECTION), []).append((name, command.get_short_help_str(limit)))
        for title in [*SECTIONS, OTHER_SECTION]:
            if rows.get(title):
                with formatter.section(title):
                    formatter.write_dl(sorted(rows[title], key=lambda row: _order(title, row[0])))


def _order(title: str, name: str) -> tuple[int, str]:
    names = SECTIONS.get(title, ())
    return (names.index(name) if name in names else len(names), name)


def version_line() -> str:
    """`workbench --version`: the app's version and the newest schema migration it knows
    (what its store files are migrated to), so a bug report names both."""
    from importlib.metadata import PackageNotFoundError, version

    from store.migrations import migrations

    try:
        app = version("ft-workbench")
    except PackageNotFoundError:
        app = "unknown (not installed)"
    names = [m.name for m in migrations._migrations]  # sqlite-utils keeps them in order
    return f"ft-workbench {app}, store schema {names[-1] if names else 'none'}"
