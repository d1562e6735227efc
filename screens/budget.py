"""The Budget screen: what training the current dataset costs on the target model.

The running totals of every encoding (store.token_totals: examples per size, a few
hundred rows whatever the dataset's size) are read in a worker, after counting the
examples that have no count yet, and kept; switching the model re-prices from them at once.
"""

from __future__ import annotations

import math

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker, WorkerState

from screens import keys
from workbench.budget.estimate import examples_phrase
from screens.safety import guard_callback, guarded
from screens.widgets.modebar import ModeBar
from textual_plotext import PlotextPlot
from workbench.budget import catalog

LARGEST = 20
MODELS_TABLE = "models-table"  # the pick that prices with the workspace's models table again


def totals_table(estimate, over_rows: int) -> Table:
    table = Table(box=None, show_header=False, pad_edge=False, expand=True)
    table.add_column("what", style="bold", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    e = estimate
    table.add_row("model", e.model)
    table.add_row("encoding · limit", f"{e.encoding} · {e.training_context_limit:,}")
    table.add_row("price / 1M tokens", f"${e.price_training_per_1m:,.2f}")
    table.add_row("examples", f"{e.n_examples:,}")
    table.add_row("tokens", f"{e.total_tokens:,}")
    table.add_row("trained tokens", f"{e.trained_tokens:,}")
    table.add_row("epochs", f"{e.epochs}" + (" (default rule)" if e.epochs_is_default else ""))
    table.add_row("billed tokens", f"{e.billed_tokens:,}")
    table.add_row("estimated cost", Text(f"${e.estimated_cost:,.2f}", "bold"))
    table.add_row("over the limit", Text(f"{over_rows:,}", "bold reverse" if over_rows else ""))
    table.add_row("tokens min·median·max", f"{e.min_tokens:,} · {e.median_tokens:,.0f} · {e.max_tokens:,}")
    # Which figures are estimates (budget.exactness_notes has the full sentences, in the CLI).
    table.add_row("message text", "exact")
    if e.examples_with_tools:
        table.add_row("tool schemas & calls", Text(f"estimate · {examples_phrase(e.examples_with_tools)}", "italic"))
    if e.examples_with_media:
        table.add_row("images·audio·files", Text(f"not counted · {examples_phrase(e.examples_with_media)}", "italic"))
    return table


def histogram_bins(values: list[int], bins: int = 20) -> list[tuple[int, int, int]]:
    """(low, high, examples) per bin: whole-token edges from 0, equal widths, every
    value in exactly one bin (low <= value < high)."""
    return histogram_bins_of_sizes([(value, 1) for value in values], bins)


def histogram_bins_of_sizes(sizes: list[tuple[int, int]], bins: int = 20) -> list[tuple[int, int, int]]:
    """histogram_bins over (value, how many examples have it) rows."""
    highest = max(value for value, _ in sizes)
    width = max(1, math.ceil((highest + 1) / bins))
    counts = [0] * math.ceil((highest + 1) / width)
    for value, n in sizes:
        counts[max(0, value) // width] += n
    return [(i * width, (i + 1) * width, n) for i, n in enumerate(counts)]


def count_ticks(highest: int, most: int = 5) -> list[int]:
    """Whole-number ticks from 0 to at least `highest` (no "0.5 examples")."""
    step = max(1, math.ceil(highest / most))
    return list(range(0, highest + step, step))


@guarded
class BudgetScreen(Screen):
    CSS_PATH = "budget.tcss"
    BINDINGS = keys.bindings("budget")
    KEY_SCOPE = "budget"
    help = "Budget: tokens, epochs and cost of training the current dataset on a model."

    def __init__(self) -> None:
        super().__init__()
        self.totals = None  # sources.DatasetTotals of the shown dataset, every encoding
        self.dataset: dict | None = None
        #: (provider name, base model) when priced with a provider's training catalogue;
        #: None prices with the workspace's models table and the app's target model.
        self.priced_by: tuple[str, str] | None = None

    def compose(self) -> ComposeResult:
        yield ModeBar("budget")
        yield Static("", id="budget-title")
        with Horizontal(id="budget-body"):
            with Vertical(id="budget-left"):
                yield Static("", id="totals")
                yield PlotextPlot(id="histogram")
            yield DataTable(id="largest", cursor_type="row", zebra_stripes=False)
        yield Footer(show_command_palette=False)  # the mode bar mentions ctrl+p

    def on_mount(self) -> None:
        table = self.query_one("#largest", DataTable)
        table.help = ("Examples over the model's context limit (billed only up to the limit, usually a "
                      "mistake) and the 20 largest. Enter opens one in the editor.")
        table.add_columns("#", "tokens", "trained", "turns", "status", "why")

    def on_screen_resume(self) -> None:
        self.load()

    def load(self) -> None:
        self.dataset = self.app.current_dataset()
        if self.dataset is None:
            self.query_one("#budget-title", Static).update(" Budget · no dataset")
            self.query_one("#totals", Static).update(
                "No datasets yet. Press 1 for Examples, then i to import a file; "
                "or run `workbench budget FILE --model NAME` on a file.")
            return
        self.query_one("#budget-title", Static).update(f" Budget · {self.dataset['name']} · reading counts…")
        self.load_totals(self.dataset["id"], self.dataset["name"])

    @work(thread=True, exclusive=True, exit_on_error=False, group="budget")
    def load_totals(self, dataset_id: str, name: str):
        from workbench.budget import counting, sources

        def progress(done: int, highest: int) -> None:  # once per file, for rows older than the totals
            self.app.call_from_thread(self.query_one("#budget-title", Static).update,
                                      f" Budget · {name} · counting the stored examples once: "
                                      f"{min(done, highest):,} of {highest:,}…")

        return sources.dataset_totals(self.app.store, dataset_id, counting.ENCODINGS, progress=progress)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.SUCCESS and event.worker.group == "budget":
            self.totals = event.worker.result
            self.recompute()
        elif event.state == WorkerState.ERROR:
            error = event.worker.error
            self.notify(f"Could not read the counts: {type(error).__name__}: {error}", severity="error",
                        timeout=10)

    def recompute(self) -> None:
        from workbench.budget import catalog, sources

        if self.totals is None or self.dataset is None:
            return
        model, rule, source = self.pricing()
        sizes = self.totals.sizes.get(model.encoding, [])
        estimate = sources.estimate_from_totals(self.totals, model, rule)
        self.query_one("#budget-title", Static).update(
            f" Budget · {self.dataset['name']} · {model.name} ({source}) · "
            f"{keys.key_in(self.app, 'budget.model')} picks the model, "
            f"{keys.key_in(self.app, 'budget.provider')} a provider's price, "
            f"{keys.key_in(self.app, 'budget.edit_model')} edits price/limit")
        self.query_one("#totals", Static).update(totals_table(estimate, estimate.over_limit))
        self.draw_histogram([(total, n) for total, n, _ in sizes], model)
        self.fill_largest(model.encoding, model.training_context_limit)

    def pricing(self):
        """(model spec, epochs rule, where the price comes from) for the estimate: the chosen
        provider's training catalogue, else the workspace's models table."""
        from workbench.errors import WorkbenchError
        from workbench.providers.catalogue import budget_model

        if self.priced_by is not None:
            provider, base = self.priced_by
            try:
                spec, rule = budget_model(self.app.store, provider, base)
                return spec, rule, f"{provider}'s catalogue"
            except WorkbenchError as exc:  # the provider or its row was removed meanwhile
                self.priced_by = None
                self.notify(f"{exc.message} Priced with the models table instead.", severity="warning")
        return self.app.target_model, catalog.epochs_rule(self.app.store), "models table"

    def draw_histogram(self, sizes: list[tuple[int, int]], model) -> None:
        """Examples per token range: the axis starts at 0 tokens and the counts are
        whole numbers (plotext's own hist picks fractional ticks and a negative axis)."""
        plot = self.query_one("#histogram", PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        if sizes:
            bins = histogram_bins_of_sizes(sizes)
            width = bins[0][1] - bins[0][0]
            plt.bar([low + width / 2 for low, _, _ in bins], [n for _, _, n in bins], width=1.0, marker="hd")
            top = bins[-1][1]
            limit = model.training_context_limit
            if max(value for value, _ in sizes) > limit:
                plt.vline(limit)
                top = max(top, limit)
            plt.xlim(0, top)
            highest = max(n for _, _, n in bins)
            plt.ylim(0, highest)
            plt.yticks(count_ticks(highest))
            ticks = [low for low, _, _ in bins][::max(1, len(bins) // 4)] + [top]
            plt.xticks(ticks, [f"{t:,}" for t in ticks])
        plt.title("examples per token range")
        plt.xlabel("tokens")
        plot.refresh()

    def fill_largest(self, encoding: str, limit: int) -> None:
        """The examples over the limit and the largest, from the totals' size index (a
        few rows read, whatever the dataset's size)."""
        from workbench.budget import sources

        table = self.query_one("#largest", DataTable)
        table.clear()
        for r, reason in sources.largest_in_dataset(self.app.store, self.dataset["id"], encoding, LARGEST, limit):
            table.add_row(str(r["position"]), f"{r['total']:,}", f"{r['trained']:,}", str(r["turns"]),
                          r["status"], reason, key=r["id"])

    def action_open_example(self) -> None:
        table = self.query_one("#largest", DataTable)
        if table.row_count == 0:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        self.app.open_example(key)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.app.open_example(event.row_key.value)

    def action_pick_model(self) -> None:
        from screens.dialogs import PickDialog

        options = [(m["name"], f"{m['name']:<26} {m['encoding']:<12} {m['training_context_limit']:>7,}  "
                               f"${m['price_training_per_1m'] or 0:,.2f}/1M")
                   for m in catalog.list_models(self.app.store)]

        def done(name) -> None:
            if name:
                self.app.set_target_model(name)
                self.recompute()

        self.app.push_screen(PickDialog("Target model (name, encoding, limit, price)", options,
                                        self.app.target_model.name), guard_callback(self, done))

    def action_pick_provider(self) -> None:
        """Price with a provider's training catalogue (base model, price, epochs rule), as
        the launch will; the first option goes back to the workspace's models table."""
        from screens.dialogs import PickDialog
        from workbench.providers.catalogue import kind_trains, training_models
        from workbench.providers.records import list_providers

        options = [(MODELS_TABLE, "models table (the workspace's models, m picks one)")]
        for provider in list_providers(self.app.store):
            if not kind_trains(provider):
                continue
            for row in training_models(self.app.store, provider["name"]):
                options.append((f"{provider['name']}\t{row['base_model']}",
                                f"{provider['name']:<10} {row['base_model']:<40} "
                                f"${row['price_training_per_1m'] or 0:,.2f}/1M"))
        if len(options) == 1:
            self.notify("No provider that trains yet: add one with `workbench provider add` "
                        "(or in the Jobs mode); its catalogue prices the budget here.")
            return

        def done(choice) -> None:
            if choice is None:
                return
            self.priced_by = None if choice == MODELS_TABLE else tuple(choice.split("\t", 1))
            self.recompute()

        current = "\t".join(self.priced_by) if self.priced_by else MODELS_TABLE
        self.app.push_screen(PickDialog("Price with (provider, base model, price)", options, current),
                             guard_callback(self, done))

    def action_edit_model(self) -> None:
        from screens.dialogs import EditModelDialog
        from workbench.budget.catalog import set_model

        model = catalog.get_model(self.app.store, self.app.target_model.name)
        if model is None:
            return

        def done(changes) -> None:
            if changes:
                try:
                    set_model(self.app.store, model["name"], changes)
                except ValueError as exc:
                    self.notify(str(exc), severity="error")
                    return
                self.app.set_target_model(model["name"])
                self.recompute()
                self.notify(f"{model['name']}: saved (the CLI's `workbench models list` shows it too).")

        self.app.push_screen(EditModelDialog(model), guard_callback(self, done))

    def action_refresh(self) -> None:
        self.load()
