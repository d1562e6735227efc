"""The schema of the workbench's SQLite file, as an ordered list of migrations.

Each migration runs in its own transaction (sqlite-utils `Migrations`) and is never
edited once released: a change to the schema is a new migration appended here.
docs/schema.md describes every table. Keys are UUID text so snapshots made by several
people merge without clashes; timestamps are ISO-8601 UTC text; JSON columns hold
compact JSON text.
"""

from __future__ import annotations

import re
import sqlite3

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("ft-workbench")

# Tables are written as SQL rather than with table.create() so that the file a user
# opens in the sqlite3 shell has the same readable DDL docs/schema.md shows.


@migrations(name="0001_curation")
def m0001_curation(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL            -- JSON
        );

        CREATE TABLE datasets (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            description TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            deleted_at TEXT
        );

        CREATE TABLE imports (
            id TEXT PRIMARY KEY,
            dataset_id TEXT NOT NULL REFERENCES datasets(id),
            source_path TEXT NOT NULL,
            source_sha256 TEXT,
            source_format TEXT NOT NULL,    -- jsonl | csv
            started_at TEXT NOT NULL,
            finished_at TEXT,
            lines INTEGER NOT NULL DEFAULT 0,
            added INTEGER NOT NULL DEFAULT 0,
            duplicates INTEGER NOT NULL DEFAULT 0,
            rejected INTEGER NOT NULL DEFAULT 0
        );

        CREATE TABLE import_rejections (
            id TEXT PRIMARY KEY,
            import_id TEXT NOT NULL REFERENCES imports(id),
            line INTEGER NOT NULL,
            findings TEXT NOT NULL,         -- JSON list of {code, severity, message_index, message}
            raw TEXT                        -- the line as text (NULL when not UTF-8)
        );
        CREATE INDEX idx_import_rejections_import ON import_rejections(import_id, line);

        CREATE TABLE examples (
            id TEXT PRIMARY KEY,
            dataset_id TEXT NOT NULL REFERENCES datasets(id),
            position INTEGER NOT NULL,      -- order within the dataset
            kind TEXT NOT NULL DEFAULT 'chat' CHECK (kind IN ('chat', 'preference')),
            messages TEXT NOT NULL,         -- JSON list (DPO: input.messages)
            tools TEXT,                     -- JSON list or NULL
            functions TEXT,                 -- JSON list or NULL (legacy)
            parallel_tool_calls INTEGER,    -- 0/1 or NULL when absent
            preferred_output TEXT,          -- JSON list (DPO only)
            non_preferred_output TEXT,      -- JSON list (DPO only)
            tags TEXT NOT NULL DEFAULT '[]',-- JSON list of strings
            status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'rejected')),
            notes TEXT NOT NULL DEFAULT '',
            content_hash TEXT NOT NULL,     -- sha256 of the canonical JSONL line
            language TEXT,
            turns INTEGER NOT NULL DEFAULT 0,
            findings TEXT NOT NULL DEFAULT '[]', -- JSON list of preflight findings
            errors INTEGER NOT NULL DEFAULT 0,
            warnings INTEGER NOT NULL DEFAULT 0,
            import_id TEXT REFERENCES imports(id),
            source_line INTEGER,
            revision INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            deleted_at TEXT
        );
        CREATE INDEX idx_examples_dataset_position ON examples(dataset_id, position);
        CREATE INDEX idx_examples_dataset_hash ON examples(dataset_id, content_hash);
        CREATE INDEX idx_examples_dataset_status ON examples(dataset_id, status);

        -- Token counts depend only on content and encoding, so they are cached by
        -- content hash: an edit changes the hash and the stale count is simply unused.
        CREATE TABLE token_counts (
            content_hash TEXT NOT NULL,
            encoding TEXT NOT NULL,
            total INTEGER NOT NULL,
            trained INTEGER NOT NULL,
            PRIMARY KEY (content_hash, encoding)
        ) WITHOUT ROWID;

        CREATE TABLE example_revisions (
            id TEXT PRIMARY KEY,
            example_id TEXT NOT NULL REFERENCES examples(id),
            revision INTEGER NOT NULL,
            action TEXT NOT NULL,           -- create, edit, status, tags, notes, delete, restore, redact, undo, redo
            snapshot TEXT NOT NULL,         -- JSON of the example's editable fields after the change
            author TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (example_id, revision)
        );

        CREATE TABLE dataset_versions (
            id TEXT PRIMARY KEY,
            dataset_id TEXT NOT NULL REFERENCES datasets(id),
            number INTEGER NOT NULL,
            changelog TEXT NOT NULL DEFAULT '',
            status_filter TEXT,             -- e.g. 'approved', NULL for all
            validation_share REAL NOT NULL,
            split_seed TEXT NOT NULL,
            train_count INTEGER NOT NULL,
            validation_count INTEGER NOT NULL,
            train_sha256 TEXT NOT NULL,     -- sha256 of the exact bytes of train.jsonl
            validation_sha256 TEXT,         -- NULL when no validation file was written
            train_tokens_cl100k INTEGER,
            train_tokens_o200k INTEGER,
            created_at TEXT NOT NULL,
            UNIQUE (dataset_id, number)
        );

        CREATE TABLE dataset_version_examples (
            version_id TEXT NOT NULL REFERENCES dataset_versions(id),
            example_id TEXT NOT NULL REFERENCES examples(id),
            split TEXT NOT NULL CHECK (split IN ('train', 'validation')),
            position INTEGER NOT NULL,      -- line number within its split file
            content_hash TEXT NOT NULL,
            line TEXT NOT NULL,             -- the exact line written (frozen)
            PRIMARY KEY (version_id, split, position)
        );

        CREATE TABLE models (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            provider TEXT NOT NULL DEFAULT 'openai',
            family TEXT,
            encoding TEXT NOT NULL,
            training_context_limit INTEGER NOT NULL,
            price_training_per_1m REAL,     -- USD per 1M training tokens
            price_input_per_1m REAL,
            price_output_per_1m REAL,
            fine_tunable INTEGER NOT NULL DEFAULT 1,
            deprecated_at TEXT,
            retires_at TEXT,
            notes TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT 'default', -- default | user
            updated_at TEXT NOT NULL
        );

        CREATE TABLE audit_log (
            id TEXT PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT,
            action TEXT NOT NULL,
            entity TEXT NOT NULL,
            entity_id TEXT,
            details TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX idx_audit_log_entity ON audit_log(entity, entity_id);
        """
    )


@migrations(name="0002_search_index")
def m0002_search_index(db: Database) -> None:
    # Full-text search over message text. An external-content FTS5 table kept in
    # step by triggers, so any writer (CLI, TUI, a user's sqlite3 shell) stays indexed.
    db.executescript(
        """
        CREATE VIRTUAL TABLE examples_fts USING fts5(
            text, tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER examples_fts_insert AFTER INSERT ON examples BEGIN
            INSERT INTO examples_fts(rowid, text) VALUES (
                new.rowid,
                (SELECT group_concat(coalesce(json_extract(m.value, '$.content'), ''), ' ')
                   FROM json_each(new.messages) AS m)
                || ' ' || coalesce(new.preferred_output, '') || ' ' || coalesce(new.non_preferred_output, '')
            );
        END;
        CREATE TRIGGER examples_fts_delete AFTER DELETE ON examples BEGIN
            DELETE FROM examples_fts WHERE rowid = old.rowid;
        END;
        CREATE TRIGGER examples_fts_update AFTER UPDATE OF messages, preferred_output, non_preferred_output ON examples BEGIN
            DELETE FROM examples_fts WHERE rowid = old.rowid;
            INSERT INTO examples_fts(rowid, text) VALUES (
                new.rowid,
                (SELECT group_concat(coalesce(json_extract(m.value, '$.content'), ''), ' ')
                   FROM json_each(new.messages) AS m)
                || ' ' || coalesce(new.preferred_output, '') || ' ' || coalesce(new.non_preferred_output, '')
            );
        END;
        """
    )


@migrations(name="0003_pii_providers_jobs_registry")
def m0003_rest_of_product(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE pii_scans (
            example_id TEXT NOT NULL REFERENCES examples(id),
            content_hash TEXT NOT NULL,     -- the content that was scanned
            scanned_at TEXT NOT NULL,
            engine TEXT NOT NULL,           -- recognizer set version
            PRIMARY KEY (example_id)
        );

        -- Findings point at spans; they never copy the value, so the table itself
        -- leaks nothing when the examples are redacted.
        CREATE TABLE pii_findings (
            id TEXT PRIMARY KEY,
            example_id TEXT NOT NULL REFERENCES examples(id),
            content_hash TEXT NOT NULL,
            message_index INTEGER NOT NULL,
            field TEXT NOT NULL DEFAULT 'content',
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            entity TEXT NOT NULL,           -- EMAIL_ADDRESS, PHONE_NUMBER, PERSON, ...
            score REAL NOT NULL,
            recognizer TEXT NOT NULL,
            value_hash TEXT NOT NULL,       -- keyed hash of the value: groups equal values
            decision TEXT NOT NULL DEFAULT 'pending' CHECK (decision IN ('pending', 'redact', 'dismiss')),
            decided_at TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_pii_findings_example ON pii_findings(example_id);
        CREATE INDEX idx_pii_findings_decision ON pii_findings(decision, entity);

        CREATE TABLE pii_dismissals (
            value_hash TEXT NOT NULL,
            entity TEXT NOT NULL,
            dataset_id TEXT REFERENCES datasets(id),
            created_at TEXT NOT NULL,
            PRIMARY KEY (value_hash, entity)
        );

        CREATE TABLE providers (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,             -- openai | azure | openai_compatible
            base_url TEXT,
            api_version TEXT,               -- Azure
            organization TEXT,
            keyring_service TEXT,           -- where the key lives; never the key
            created_at TEXT NOT NULL
        );

        CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            provider_id TEXT REFERENCES providers(id),
            dataset_version_id TEXT REFERENCES dataset_versions(id),
            provider_job_id TEXT,
            base_model TEXT NOT NULL,
            method TEXT NOT NULL DEFAULT 'supervised',
            hyperparameters TEXT NOT NULL DEFAULT '{}',
            suffix TEXT,
            status TEXT NOT NULL,           -- draft, queued, validating_files, running, succeeded, failed, cancelled
            fine_tuned_model TEXT,
            trained_tokens INTEGER,
            training_file_id TEXT,
            validation_file_id TEXT,
            error TEXT,                     -- JSON
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            finished_at TEXT
        );
        CREATE UNIQUE INDEX idx_jobs_provider_job ON jobs(provider_id, provider_job_id);

        CREATE TABLE job_events (
            id TEXT PRIMARY KEY,
            job_id TEXT NOT NULL REFERENCES jobs(id),
            provider_event_id TEXT,
            created_at TEXT NOT NULL,
            level TEXT NOT NULL DEFAULT 'info',
            type TEXT,
            message TEXT NOT NULL,
            data TEXT                       -- JSON
        );
        CREATE UNIQUE INDEX idx_job_events_provider ON job_events(job_id, provider_event_id);

        CREATE TABLE job_metrics (
            job_id TEXT NOT NULL REFERENCES jobs(id),
            step INTEGER NOT NULL,
            train_loss REAL,
            train_accuracy REAL,
            valid_loss REAL,
            valid_mean_token_accuracy REAL,
            full_valid_loss REAL,
            full_valid_mean_token_accuracy REAL,
            PRIMARY KEY (job_id, step)
        );

        CREATE TABLE checkpoints (
            id TEXT PRIMARY KEY,
            job_id TEXT NOT NULL REFERENCES jobs(id),
            provider_checkpoint_id TEXT,
            step INTEGER,
            model TEXT NOT NULL,
            metrics TEXT,                   -- JSON
            created_at TEXT NOT NULL
        );

        -- Provider calls the user asked for, written before they are sent, so a
        -- crash never leaves a job created twice or forgotten.
        CREATE TABLE outbox (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,             -- upload_file, create_job, cancel_job, generate
            payload TEXT NOT NULL,          -- JSON
            idempotency_key TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'done', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            result TEXT,                    -- JSON
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE registry_models (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,      -- what the team calls it, e.g. aurora-v3
            provider_id TEXT REFERENCES providers(id),
            provider_model_id TEXT NOT NULL,-- e.g. ft:gpt-4.1-mini-...:aurora::abc
            base_model TEXT,
            job_id TEXT REFERENCES jobs(id),
            dataset_version_id TEXT REFERENCES dataset_versions(id),
            hyperparameters TEXT NOT NULL DEFAULT '{}',
            eval_results TEXT NOT NULL DEFAULT '{}',
            changelog TEXT NOT NULL DEFAULT '',
            purpose TEXT NOT NULL DEFAULT '',
            limits TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'candidate', -- candidate, production, retired, rolled_back
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE golden_sets (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            description TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE golden_prompts (
            id TEXT PRIMARY KEY,
            golden_set_id TEXT NOT NULL REFERENCES golden_sets(id),
            external_id TEXT,               -- the id in the imported file, e.g. g001
            position INTEGER NOT NULL,
            messages TEXT NOT NULL,         -- JSON list, ends with the user turn
            reference_answer TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            content_hash TEXT NOT NULL,
            source_example_id TEXT REFERENCES examples(id),
            created_at TEXT NOT NULL,
            deleted_at TEXT,
            UNIQUE (golden_set_id, external_id)
        );

        CREATE TABLE golden_set_versions (
            id TEXT PRIMARY KEY,
            golden_set_id TEXT NOT NULL REFERENCES golden_sets(id),
            number INTEGER NOT NULL,
            changelog TEXT NOT NULL DEFAULT '',
            sha256 TEXT NOT NULL,
            prompt_count INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (golden_set_id, number)
        );

        CREATE TABLE golden_version_prompts (
            version_id TEXT NOT NULL REFERENCES golden_set_versions(id),
            prompt_id TEXT NOT NULL REFERENCES golden_prompts(id),
            position INTEGER NOT NULL,
            content_hash TEXT NOT NULL,
            messages TEXT NOT NULL,         -- frozen copy
            reference_answer TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (version_id, prompt_id)
        );

        CREATE TABLE generations (
            id TEXT PRIMARY KEY,
            golden_version_id TEXT NOT NULL REFERENCES golden_set_versions(id),
            prompt_id TEXT NOT NULL REFERENCES golden_prompts(id),
            model TEXT NOT NULL,            -- model name as the provider knows it
            registry_model_id TEXT REFERENCES registry_models(id),
            output TEXT NOT NULL,
            latency_ms INTEGER,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            source TEXT NOT NULL DEFAULT 'import', -- import | provider
            created_at TEXT NOT NULL,
            UNIQUE (golden_version_id, prompt_id, model)
        );

        CREATE TABLE rating_sessions (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            golden_version_id TEXT NOT NULL REFERENCES golden_set_versions(id),
            candidate_model TEXT NOT NULL,
            baseline_model TEXT NOT NULL,
            target_n INTEGER NOT NULL,
            threshold REAL NOT NULL DEFAULT 0.55,
            seed TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open',
            created_at TEXT NOT NULL
        );

        CREATE TABLE comparisons (
            id TEXT PRIMARY KEY,
            session_id TEXT NOT NULL REFERENCES rating_sessions(id),
            prompt_id TEXT NOT NULL REFERENCES golden_prompts(id),
            candidate_generation_id TEXT NOT NULL REFERENCES generations(id),
            baseline_generation_id TEXT NOT NULL REFERENCES generations(id),
            identical INTEGER NOT NULL DEFAULT 0,
            position INTEGER NOT NULL,
            UNIQUE (session_id, prompt_id)
        );

        -- The blind side assignment, per comparison and rater, drawn by a seeded coin.
        CREATE TABLE comparison_sides (
            comparison_id TEXT NOT NULL REFERENCES comparisons(id),
            rater TEXT NOT NULL,
            candidate_left INTEGER NOT NULL,
            PRIMARY KEY (comparison_id, rater)
        );

        CREATE TABLE ratings (
            id TEXT PRIMARY KEY,
            comparison_id TEXT NOT NULL REFERENCES comparisons(id),
            rater TEXT NOT NULL,
            verdict TEXT NOT NULL CHECK (verdict IN ('left', 'right', 'tie', 'both_bad')),
            candidate_left INTEGER NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('candidate', 'baseline', 'tie', 'both_bad')),
            flagged INTEGER NOT NULL DEFAULT 0,
            comment TEXT NOT NULL DEFAULT '',
            time_ms INTEGER,
            created_at TEXT NOT NULL,
            UNIQUE (comparison_id, rater)
        );
        """
    )


@migrations(name="0004_curation")
def m0004_curation(db: Database) -> None:
    # The app's undo/redo stack, kept in the file so it survives a restart. Each row
    # points at two revisions of one example; a bulk action is one group.
    db.executescript(
        """
        CREATE TABLE edit_log (
            seq INTEGER PRIMARY KEY,        -- order of actions (rowid: max + 1)
            group_id TEXT NOT NULL,         -- one user action (a bulk edit is one group)
            example_id TEXT NOT NULL REFERENCES examples(id),
            action TEXT NOT NULL,           -- edit, status, tags, notes, create, duplicate, delete, restore
            before_revision INTEGER,        -- NULL when the action created the example
            after_revision INTEGER NOT NULL,
            state TEXT NOT NULL DEFAULT 'done' CHECK (state IN ('done', 'undone')),
            author TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_edit_log_group ON edit_log(group_id);
        CREATE INDEX idx_edit_log_state ON edit_log(state, seq);
        -- Pages of live examples in dataset order, without touching deleted rows.
        CREATE INDEX idx_examples_dataset_live ON examples(dataset_id, deleted_at, position);
        """
    )


@migrations(name="0005_gate_verdicts")
def m0005_gate_verdicts(db: Database) -> None:
    # The promotion gate decides once: its verdict is stored the first time it is
    # final and never recomputed, so ratings made afterwards cannot change it. A
    # session also records how its gate tests (fixed n or sequential; W > 0.5 with the
    # threshold as a bar, or W > threshold as a margin).
    db.executescript(
        """
        ALTER TABLE rating_sessions ADD COLUMN gate_mode TEXT NOT NULL DEFAULT 'fixed'
            CHECK (gate_mode IN ('fixed', 'sequential'));
        ALTER TABLE rating_sessions ADD COLUMN gate_test TEXT NOT NULL DEFAULT 'superiority'
            CHECK (gate_test IN ('superiority', 'margin'));

        CREATE TABLE gate_verdicts (
            session_id TEXT PRIMARY KEY REFERENCES rating_sessions(id),
            decision TEXT NOT NULL CHECK (decision IN ('promote', 'block', 'hold')),
            mode TEXT NOT NULL,             -- fixed | sequential
            test TEXT NOT NULL,             -- superiority | margin
            n INTEGER NOT NULL,             -- votes the gate read (the planned sample)
            decided_at_n INTEGER,           -- votes in when it decided (sequential: may be < target_n)
            prompts INTEGER NOT NULL,
            rate REAL,
            lower_bound REAL,
            blocking_tags TEXT NOT NULL,    -- JSON list of tags
            verdict TEXT NOT NULL,          -- JSON: the whole verdict with reasons and tag tests
            decided_at TEXT NOT NULL
        );
        """
    )


@migrations(name="0006_tool_token_rules")
def m0006_tool_token_rules(db: Database) -> None:
    # The OpenAI cookbook's function-calling token constants (num_tokens_for_tools) become
    # editable data per model, like the context limit and the price. Rows already in the
    # table get the cookbook's values for their encoding; new rows are seeded from
    # models.json. Cached counts of examples with tools or calls were made with the old
    # rule (JSON of each definition, 3 tokens per call): drop them, they are refilled
    # on demand.
    db.executescript(
        """
        ALTER TABLE models ADD COLUMN tool_func_init INTEGER;
        ALTER TABLE models ADD COLUMN tool_prop_init INTEGER;
        ALTER TABLE models ADD COLUMN tool_prop_key INTEGER;
        ALTER TABLE models ADD COLUMN tool_enum_init INTEGER;
        ALTER TABLE models ADD COLUMN tool_enum_item INTEGER;
        ALTER TABLE models ADD COLUMN tool_func_end INTEGER;

        UPDATE models SET
            tool_func_init = CASE encoding WHEN 'cl100k_base' THEN 10 ELSE 7 END,
            tool_prop_init = 3, tool_prop_key = 3, tool_enum_init = -3, tool_enum_item = 3,
            tool_func_end = 12;

        DELETE FROM token_counts WHERE content_hash IN (
            SELECT content_hash FROM examples
             WHERE tools IS NOT NULL OR functions IS NOT NULL
                OR messages LIKE '%"tool_calls"%' OR messages LIKE '%"function_call"%'
                OR preferred_output LIKE '%"tool_calls"%' OR non_preferred_output LIKE '%"tool_calls"%'
                OR preferred_output LIKE '%"function_call"%' OR non_preferred_output LIKE '%"function_call"%'
        );
        """
    )


@migrations(name="0007_providers_jobs")
def m0007_providers_jobs(db: Database) -> None:
    # Providers get kind-specific options (Azure's training tier, whether an
    # OpenAI-compatible host needs a key); jobs get what the monitor and the registry
    # need: the provider's raw status next to the normalised one, the version's sha256,
    # the seed, a cost estimate, the provider's ETA, the loss-trend flag and the poll
    # schedule. provider_files remembers uploads per version sha256 so a relaunch of the
    # same version reuses them.
    db.executescript(
        """
        ALTER TABLE providers ADD COLUMN options TEXT NOT NULL DEFAULT '{}';

        ALTER TABLE jobs ADD COLUMN raw_status TEXT;
        ALTER TABLE jobs ADD COLUMN version_sha256 TEXT;
        ALTER TABLE jobs ADD COLUMN seed INTEGER;
        ALTER TABLE jobs ADD COLUMN estimated_cost REAL;
        ALTER TABLE jobs ADD COLUMN estimated_finish TEXT;
        ALTER TABLE jobs ADD COLUMN result_files TEXT;
        ALTER TABLE jobs ADD COLUMN loss_flag TEXT;
        ALTER TABLE jobs ADD COLUMN next_poll_at TEXT;
        CREATE INDEX idx_jobs_status ON jobs(status);
        CREATE INDEX idx_job_events_job ON job_events(job_id, created_at);

        CREATE TABLE provider_files (
            provider_id TEXT NOT NULL REFERENCES providers(id),
            version_sha256 TEXT NOT NULL,
            split TEXT NOT NULL,            -- train | validation
            file_id TEXT NOT NULL,
            bytes INTEGER,
            created_at TEXT NOT NULL,
            PRIMARY KEY (provider_id, version_sha256, split)
        );
        """
    )


@migrations(name="0008_governance_snapshots")
def m0008_governance_snapshots(db: Database) -> None:
    # The risk register (risks and the evidence each points at), the example conflicts a
    # snapshot merge left for a person to decide, and an index so the audit viewer can
    # page the log by time.
    db.executescript(
        """
        CREATE TABLE risks (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            severity TEXT NOT NULL DEFAULT 'medium' CHECK (severity IN ('low', 'medium', 'high', 'critical')),
            likelihood TEXT NOT NULL DEFAULT 'possible'
                CHECK (likelihood IN ('rare', 'unlikely', 'possible', 'likely', 'certain')),
            mitigation TEXT NOT NULL DEFAULT '',
            owner TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'mitigating', 'accepted', 'closed')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE risk_evidence (
            id TEXT PRIMARY KEY,
            risk_id TEXT NOT NULL REFERENCES risks(id),
            kind TEXT NOT NULL,             -- rating_session, pii_scan, dataset_version, golden_version, registry_model, link
            ref TEXT NOT NULL,              -- the id (or URL) of the evidence
            note TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            UNIQUE (risk_id, kind, ref)
        );

        -- Examples edited on both sides of a snapshot merge, waiting for mine / theirs / both.
        CREATE TABLE snapshot_conflicts (
            id TEXT PRIMARY KEY,
            example_id TEXT NOT NULL REFERENCES examples(id),
            their_revision_id TEXT NOT NULL,-- their current revision: the same conflict is recorded once
            theirs TEXT NOT NULL,           -- JSON: their example row and its revisions
            source TEXT NOT NULL DEFAULT '',-- the snapshot's workspace and author
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'mine', 'theirs', 'both')),
            created_at TEXT NOT NULL,
            resolved_at TEXT,
            UNIQUE (example_id, their_revision_id)
        );

        CREATE INDEX idx_audit_log_at ON audit_log(at);
        """
    )


@migrations(name="0010_import_staging")
def m0010_import_staging(db: Database) -> None:
    # Imports write in short batches into a hidden staging dataset (a datasets row with
    # deleted_at set) and publish it in one short step; this table says which datasets
    # are staging ones, for whom, and which process owns them, so a killed import's
    # rows are recognised and removed when the store is next opened.
    db.executescript(
        """
        CREATE TABLE import_staging (
            dataset_id TEXT PRIMARY KEY REFERENCES datasets(id),
            target_name TEXT NOT NULL,      -- the dataset the rows go to when published
            owner_host TEXT NOT NULL,       -- host and pid of the importing process
            owner_pid INTEGER NOT NULL,
            started_at TEXT NOT NULL
        );

        -- Rows of a staging dataset are indexed by the importer itself, in bulk, with the
        -- same text this trigger computes (store.examples.fts_text): the trigger's
        -- json_each per row was most of an import's write time.
        DROP TRIGGER examples_fts_insert;
        CREATE TRIGGER examples_fts_insert AFTER INSERT ON examples
        WHEN NOT EXISTS (SELECT 1 FROM import_staging s WHERE s.dataset_id = new.dataset_id) BEGIN
            INSERT INTO examples_fts(rowid, text) VALUES (
                new.rowid,
                (SELECT group_concat(coalesce(json_extract(m.value, '$.content'), ''), ' ')
                   FROM json_each(new.messages) AS m)
                || ' ' || coalesce(new.preferred_output, '') || ' ' || coalesce(new.non_preferred_output, '')
            );
        END;
        """
    )


@migrations(name="0011_imported_judgements")
def m0011_imported_judgements(db: Database) -> None:
    # Judgements made elsewhere (a crowd platform, another tool, a spreadsheet): model
    # pairs and winners, not tied to our golden sets or answers, so they get their own
    # table, grouped by the session name they were imported under. `key` is a hash of
    # the line's content and its occurrence number in the file: importing the same file
    # again inserts nothing.
    db.executescript(
        """
        CREATE TABLE imported_judgements (
            id TEXT PRIMARY KEY,
            session TEXT NOT NULL,          -- the name given on import
            prompt TEXT NOT NULL,           -- prompt id or prompt text, as in the file
            model_a TEXT NOT NULL,
            model_b TEXT NOT NULL,
            winner TEXT NOT NULL CHECK (winner IN ('a', 'b', 'tie', 'both_bad')),
            rater TEXT,
            shown_left TEXT CHECK (shown_left IN ('a', 'b')),  -- side shown on the left, if known
            judged_at TEXT,
            comment TEXT NOT NULL DEFAULT '',
            key TEXT NOT NULL UNIQUE,
            imported_at TEXT NOT NULL
        );
        CREATE INDEX idx_imported_judgements_session ON imported_judgements(session);
        """
    )


@migrations(name="0012_registry_generation")
def m0012_registry_generation(db: Database) -> None:
    # The registry grows the lineage and lifecycle the issue asks for; its history (register,
    # note, promote, rollback, retire, capture) is a table of its own so the registry can
    # show the story without parsing the audit log. Generated answers record how they were
    # made (provider, temperature, seed, cost) so a rerun can be compared and priced. Golden
    # prompts may carry tool definitions, sent with the prompt when answers are generated.
    db.executescript(
        """
        ALTER TABLE registry_models ADD COLUMN provider TEXT;          -- provider name as the user gave it
        ALTER TABLE registry_models ADD COLUMN kind TEXT NOT NULL DEFAULT 'fine_tuned'
            CHECK (kind IN ('base', 'fine_tuned'));
        ALTER TABLE registry_models ADD COLUMN endpoint TEXT;          -- hand-registered models: where they answer
        ALTER TABLE registry_models ADD COLUMN dataset_sha256 TEXT;    -- trained elsewhere: the kit's version sha256
        ALTER TABLE registry_models ADD COLUMN acceptable_use TEXT NOT NULL DEFAULT '';
        ALTER TABLE registry_models ADD COLUMN shutdown_date TEXT;     -- YYYY-MM-DD: the provider stops serving it
        ALTER TABLE registry_models ADD COLUMN training_cutoff TEXT;   -- YYYY-MM-DD: no more fine-tuning on it
        ALTER TABLE registry_models ADD COLUMN lifecycle_source TEXT;  -- provider | user | models_table
        CREATE INDEX idx_registry_models_provider_model ON registry_models(provider_model_id);

        CREATE TABLE registry_history (
            id TEXT PRIMARY KEY,
            registry_model_id TEXT NOT NULL REFERENCES registry_models(id),
            at TEXT NOT NULL,
            actor TEXT,
            action TEXT NOT NULL,           -- register, sync, note, lifecycle, promote, demote, rollback, retire, capture
            from_status TEXT,
            to_status TEXT,
            session_id TEXT REFERENCES rating_sessions(id),
            gate_decision TEXT,             -- the gate's decision the promotion read (promote, block, hold)
            override INTEGER NOT NULL DEFAULT 0,
            reason TEXT NOT NULL DEFAULT '',
            details TEXT NOT NULL DEFAULT '{}'   -- JSON
        );
        CREATE INDEX idx_registry_history_model ON registry_history(registry_model_id, at);
        CREATE INDEX idx_registry_history_at ON registry_history(at);

        ALTER TABLE generations ADD COLUMN provider TEXT;
        ALTER TABLE generations ADD COLUMN temperature REAL;
        ALTER TABLE generations ADD COLUMN seed INTEGER;
        ALTER TABLE generations ADD COLUMN cost_usd REAL;             -- NULL when the model's prices are unknown
        ALTER TABLE generations ADD COLUMN finish_reason TEXT;
        ALTER TABLE generations ADD COLUMN tool_calls TEXT;           -- JSON list when the answer calls tools

        ALTER TABLE golden_prompts ADD COLUMN tools TEXT;             -- JSON list of tool definitions or NULL
        ALTER TABLE golden_version_prompts ADD COLUMN tools TEXT;

        -- A generation sent through a provider's Batch API: written before the batch is
        -- created (its id goes into the batch's metadata), so a crash never loses or
        -- doubles a batch; a rerun polls and collects it.
        CREATE TABLE generation_batches (
            id TEXT PRIMARY KEY,
            golden_version_id TEXT NOT NULL REFERENCES golden_set_versions(id),
            model TEXT NOT NULL,
            provider TEXT,
            provider_batch_id TEXT,
            input_file_id TEXT,
            output_file_id TEXT,
            error_file_id TEXT,
            status TEXT NOT NULL,           -- the provider's status; 'collected' once answers are stored
            prompt_ids TEXT NOT NULL,       -- JSON list: the prompts in the batch
            settings TEXT NOT NULL DEFAULT '{}', -- JSON: temperature, seed, max_tokens
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX idx_generation_batches_open ON generation_batches(golden_version_id, model, status);
        """
    )


@migrations(name="0013_health")
def m0013_health(db: Database) -> None:
    # Dataset health: declared coverage minimums (the export refuses while one is unmet),
    # near-duplicate groups found by MinHash/LSH (reviewed in the app), and the link from
    # a draft example back to the rating it was written from.
    db.executescript(
        """
        CREATE TABLE coverage_rules (
            id TEXT PRIMARY KEY,
            dataset_id TEXT NOT NULL REFERENCES datasets(id),
            target TEXT NOT NULL,           -- tag:NAME | intent:* | language:CODE | language:* | refusals | escalations | edge_cases
            min_count INTEGER,              -- at least this many examples (NULL: no count minimum)
            min_share REAL,                 -- at least this share of the examples, 0..1 (NULL: none)
            created_at TEXT NOT NULL,
            UNIQUE (dataset_id, target)
        );

        CREATE TABLE near_duplicate_groups (
            id TEXT PRIMARY KEY,
            dataset_id TEXT NOT NULL REFERENCES datasets(id),
            threshold REAL NOT NULL,        -- Jaccard threshold of the LSH index
            size INTEGER NOT NULL,
            state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved')),
            kept_example_id TEXT REFERENCES examples(id),
            found_at TEXT NOT NULL,
            resolved_at TEXT
        );
        CREATE INDEX idx_near_duplicate_groups_dataset ON near_duplicate_groups(dataset_id, state);

        CREATE TABLE near_duplicate_members (
            group_id TEXT NOT NULL REFERENCES near_duplicate_groups(id),
            example_id TEXT NOT NULL REFERENCES examples(id),
            similarity REAL NOT NULL,       -- estimated Jaccard with the group's first member
            PRIMARY KEY (group_id, example_id)
        ) WITHOUT ROWID;

        CREATE TABLE example_sources (
            example_id TEXT PRIMARY KEY REFERENCES examples(id),
            rating_id TEXT REFERENCES ratings(id),
            comparison_id TEXT REFERENCES comparisons(id),
            prompt_id TEXT REFERENCES golden_prompts(id),
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_example_sources_rating ON example_sources(rating_id);
        """
    )


@migrations(name="0014_search_index_backfill")
def m0014_search_index_backfill(db: Database) -> None:
    # 0002 created the search index and its triggers but never indexed the examples
    # already in the file: a store upgraded from 0001 found nothing when searching its
    # old examples. Index every example that has no row yet (same text as the triggers).
    db.execute(
        """
        INSERT INTO examples_fts(rowid, text)
        SELECT e.rowid,
               (SELECT group_concat(coalesce(json_extract(m.value, '$.content'), ''), ' ')
                  FROM json_each(e.messages) AS m)
               || ' ' || coalesce(e.preferred_output, '') || ' ' || coalesce(e.non_preferred_output, '')
          FROM examples e
         WHERE e.rowid NOT IN (SELECT rowid FROM examples_fts)
        """
    )


# The training catalogue seeded by 0015: (kind, base model, context limit, USD per 1M
# training tokens, methods, minimum examples, epochs rule as JSON or None for the
# workspace's rule, tokenizer used to estimate, note). Data a user edits afterwards
# (`workbench provider models`); docs/providers.md says where the figures came from.
_OPENAI_NOTE = "OpenAI price list; OpenAI takes no new fine-tuning jobs after 2027-01-06."
_AZURE_NOTE = ("Azure OpenAI Standard training, approximate list price; existing customers only, "
               "retires with the base model.")
_TOGETHER_RULE = '{"default_epochs": 1, "min_default_epochs": 1, "max_default_epochs": 1}'
_TOGETHER_NOTE = ("Together LoRA SFT list price for the model's size band (DPO bills about 2.5x); "
                  "Llama/Qwen tokens estimated with cl100k_base.")
TRAINING_CATALOGUE_0015 = [
    *[("openai", name, limit, price, methods, 10, None, "o200k_base" if "gpt-4" in name else "cl100k_base",
       _OPENAI_NOTE) for name, limit, price, methods in (
        ("gpt-4o-2024-08-06", 65536, 25.0, "supervised,dpo"),
        ("gpt-4o-mini-2024-07-18", 65536, 3.0, "supervised,dpo"),
        ("gpt-4.1-2025-04-14", 65536, 25.0, "supervised,dpo"),
        ("gpt-4.1-mini-2025-04-14", 65536, 5.0, "supervised,dpo"),
        ("gpt-4.1-nano-2025-04-14", 65536, 1.5, "supervised,dpo"),
        ("gpt-3.5-turbo-0125", 16385, 8.0, "supervised"))],
    *[("azure", name, limit, price, "supervised,dpo", 10, None, "o200k_base", _AZURE_NOTE)
      for name, limit, price in (
        ("gpt-4o-2024-08-06", 65536, 27.5),
        ("gpt-4o-mini-2024-07-18", 65536, 3.3),
        ("gpt-4.1-2025-04-14", 65536, 27.5),
        ("gpt-4.1-mini-2025-04-14", 65536, 5.5),
        ("gpt-4.1-nano-2025-04-14", 65536, 1.65))],
    *[("together", name, limit, price, "supervised,dpo", 1, _TOGETHER_RULE, "cl100k_base", _TOGETHER_NOTE)
      for name, limit, price in (
        ("meta-llama/Meta-Llama-3.1-8B-Instruct-Reference", 131072, 0.48),
        ("meta-llama/Meta-Llama-3.1-70B-Instruct-Reference", 32768, 2.9),
        ("meta-llama/Llama-3.3-70B-Instruct-Reference", 32768, 2.9),
        ("Qwen/Qwen2.5-7B-Instruct", 32768, 0.48),
        ("Qwen/Qwen2.5-72B-Instruct", 32768, 2.9),
        ("mistralai/Mistral-7B-Instruct-v0.2", 32768, 0.48),
        ("google/gemma-2-27b-it", 8192, 1.5))],
]


@migrations(name="0015_training_catalogue")
def m0015_training_catalogue(db: Database) -> None:
    # Per-provider training catalogue: what a provider trains and at what price, as
    # editable data (the models table is OpenAI's catalogue for the budget; a base model
    # costs differently on Azure, and Together trains other models). Seeded here once;
    # rows a user edits carry source 'user'. (store.db imports this module: no import back.)
    import datetime
    import uuid

    db.executescript(
        """
        CREATE TABLE training_catalogue (
            id TEXT PRIMARY KEY,
            provider_kind TEXT NOT NULL,        -- openai | azure | together
            base_model TEXT NOT NULL,
            context_limit INTEGER NOT NULL,     -- training tokens per example
            price_training_per_1m REAL,         -- USD per 1M training tokens (SFT)
            methods TEXT NOT NULL DEFAULT 'supervised', -- comma list: supervised, dpo
            min_examples INTEGER NOT NULL DEFAULT 1,
            epochs_rule TEXT,                   -- JSON EpochsRule fields; NULL: the workspace rule
            encoding TEXT NOT NULL DEFAULT 'o200k_base', -- tokenizer the estimate counts with
            notes TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT 'default',      -- default | user
            updated_at TEXT NOT NULL,
            UNIQUE (provider_kind, base_model)
        );
        """
    )
    stamp = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds")
    db.conn.executemany(
        "INSERT INTO training_catalogue(id, provider_kind, base_model, context_limit, price_training_per_1m, "
        "methods, min_examples, epochs_rule, encoding, notes, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [(str(uuid.uuid4()), *row, stamp) for row in TRAINING_CATALOGUE_0015])


@migrations(name="0018_import_publishing")
def m0018_import_publishing(db: Database) -> None:
    # Publishing an import into a dataset that already exists moves its staged rows in
    # short slices (a single UPDATE of 100k rows held the write lock for seconds). Once
    # the first slice commits the import is decided: target_id and position_offset say
    # where the rest goes, and a killed import is finished, not discarded, at next open.
    db.executescript(
        """
        ALTER TABLE import_staging ADD COLUMN target_id TEXT REFERENCES datasets(id);
        ALTER TABLE import_staging ADD COLUMN position_offset INTEGER;
        ALTER TABLE import_staging ADD COLUMN position_end INTEGER;
        """
    )


@migrations(name="0016_pii_scan_due")
def m0016_pii_scan_due(db: Database) -> None:
    # `pii scan` of an unchanged dataset was a join of every example to its scan mark
    # (10 s at 1M examples). Triggers now keep the examples a scan has to read in
    # `pii_scan_due`, and `pii_scan_state` says which engine last scanned a whole dataset,
    # so "nothing to scan" is two indexed lookups. No rows are written here (fast at any
    # size): a dataset without a state row gets one full scan (the old join) first.
    # Updates mark an example due whatever its dataset's state: a restore from the bin
    # leaves the content hash as it was, so only a due row brings it back to the scan.
    db.executescript(
        """
        CREATE TABLE pii_scan_due (
            example_id TEXT PRIMARY KEY,    -- no foreign key: the row goes with its example (trigger)
            dataset_id TEXT NOT NULL,
            token INTEGER NOT NULL          -- random per change: a scan clears only the change it read
        ) WITHOUT ROWID;
        CREATE INDEX idx_pii_scan_due_dataset ON pii_scan_due(dataset_id);

        CREATE TABLE pii_scan_state (
            dataset_id TEXT PRIMARY KEY,
            engine TEXT NOT NULL,           -- the engine of the dataset's last full scan
            complete INTEGER NOT NULL DEFAULT 0, -- 1 once it finished: every example not due has its mark
            updated_at TEXT NOT NULL
        );

        -- A dataset no full scan has begun on (an import's staging rows, a new dataset)
        -- needs no due rows: its first scan compares every example with its mark anyway.
        -- That keeps the bulk insert of an import free of a second write per row.
        CREATE TRIGGER pii_scan_due_insert AFTER INSERT ON examples
        WHEN EXISTS (SELECT 1 FROM pii_scan_state WHERE dataset_id = new.dataset_id) BEGIN
            DELETE FROM pii_scan_due WHERE example_id = new.id;
            INSERT INTO pii_scan_due(example_id, dataset_id, token) VALUES (new.id, new.dataset_id, random());
        END;
        CREATE TRIGGER pii_scan_due_update AFTER UPDATE OF
            messages, preferred_output, non_preferred_output, notes, content_hash, language, dataset_id, deleted_at
        ON examples
        WHEN new.messages IS NOT old.messages OR new.preferred_output IS NOT old.preferred_output
          OR new.non_preferred_output IS NOT old.non_preferred_output OR new.notes IS NOT old.notes
          OR new.content_hash IS NOT old.content_hash OR new.language IS NOT old.language
          OR new.dataset_id IS NOT old.dataset_id OR (old.deleted_at IS NOT NULL AND new.deleted_at IS NULL)
        BEGIN
            DELETE FROM pii_scan_due WHERE example_id = new.id;
            INSERT INTO pii_scan_due(example_id, dataset_id, token) VALUES (new.id, new.dataset_id, random());
        END;
        CREATE TRIGGER pii_scan_due_delete AFTER DELETE ON examples BEGIN
            DELETE FROM pii_scan_due WHERE example_id = old.id;
        END;
        """
    )


# ---------------------------------------------------------------------------- 0017: token totals
# SQL pieces of 0017's triggers, also used by store/token_totals.py to count the rows
# written before the triggers existed (the same expressions, so the two always agree).
# `r` is a row alias: "new", "old" or a table alias.

BUDGET_ENCODINGS_0017 = ("cl100k_base", "o200k_base")  # workbench/budget/catalog.ENCODINGS
BUDGET_ALL_ROWS = 9223372036854775807  # budget_state.upto once every row is counted
_MEDIA_TYPES_SQL = "'image_url', 'input_image', 'input_audio', 'file', 'input_file'"


def _truthy_sql(doc: str, path: str) -> str:
    """Python's truthiness of the JSON value at `path` of the JSON text `doc` (missing: false)."""
    return (f"(CASE json_type({doc}, '{path}') WHEN 'true' THEN 1 "
            f"WHEN 'integer' THEN json_extract({doc}, '{path}') != 0 WHEN 'real' THEN json_extract({doc}, '{path}') != 0 "
            f"WHEN 'text' THEN json_extract({doc}, '{path}') != '' "
            f"WHEN 'array' THEN json_array_length({doc}, '{path}') > 0 "
            f"WHEN 'object' THEN EXISTS (SELECT 1 FROM json_each({doc}, '{path}')) ELSE 0 END)")


def _any_message_sql(r: str, condition: str) -> str:
    """Whether any message of the row's record (a preference's outputs too) meets `condition`
    (over json_each alias m): tokens.estimated_parts walks the same lists."""
    def over(column: str) -> str:
        return (f"(CASE WHEN json_valid({column}) THEN (CASE WHEN json_type({column}) = 'array' THEN EXISTS "
                f"(SELECT 1 FROM json_each({column}) m WHERE {condition}) ELSE 0 END) ELSE 0 END)")
    return (f"({over(f'{r}.messages')} OR ({r}.kind = 'preference' AND "
            f"({over(f'{r}.preferred_output')} OR {over(f'{r}.non_preferred_output')})))")


def budget_tools_sql(r: str) -> str:
    """1 when tokens.estimated_parts finds tool schemas or calls in the row's record."""
    all_text = f"({r}.messages || coalesce({r}.preferred_output, '') || coalesce({r}.non_preferred_output, ''))"
    call = (f"(CASE WHEN m.type = 'object' THEN ({_truthy_sql('m.value', '$.tool_calls')} "
            f"OR {_truthy_sql('m.value', '$.function_call')}) ELSE 0 END)")
    definitions = " OR ".join(f"(CASE WHEN json_valid({r}.{c}) THEN {_truthy_sql(f'{r}.{c}', '$')} ELSE 0 END)"
                              for c in ("tools", "functions"))
    # the instr tests are a cheap pre-filter: most rows have no tools and skip the JSON walk
    return (f"(CASE WHEN {r}.tools IS NULL AND {r}.functions IS NULL AND instr({all_text}, '\"tool_calls\"') = 0 "
            f"AND instr({all_text}, '\"function_call\"') = 0 THEN 0 "
            f"ELSE ({definitions} OR {_any_message_sql(r, call)}) END)")


def budget_media_sql(r: str) -> str:
    """1 when tokens.estimated_parts finds image, audio or file parts in the row's record."""
    all_text = f"({r}.messages || coalesce({r}.preferred_output, '') || coalesce({r}.non_preferred_output, ''))"
    part = (f"(CASE WHEN p.type = 'object' THEN json_extract(p.value, '$.type') IN ({_MEDIA_TYPES_SQL}) "
            f"ELSE 0 END)")
    media = (f"(CASE WHEN m.type = 'object' THEN (CASE WHEN json_type(m.value, '$.content') = 'array' THEN EXISTS "
             f"(SELECT 1 FROM json_each(m.value, '$.content') p WHERE {part}) ELSE 0 END) ELSE 0 END)")
    return f"(CASE WHEN instr({all_text}, '\"type\"') = 0 THEN 0 ELSE {_any_message_sql(r, media)} END)"


_UPSERT_SIZES = ("ON CONFLICT DO UPDATE SET examples = examples + excluded.examples, "
                 "trained = trained + excluded.trained")
_UPSERT_PARTS = ("ON CONFLICT DO UPDATE SET examples = examples + excluded.examples, "
                 "with_tools = with_tools + excluded.with_tools, with_media = with_media + excluded.with_media")


def _example_in_sql(r: str) -> str:
    """Statements that add a live example row (alias r) to the totals."""
    return f"""
        INSERT INTO budget_sizes(dataset_id, encoding, status, total, examples, trained)
            SELECT {r}.dataset_id, t.encoding, {r}.status, t.total, 1, t.trained FROM token_counts t
             WHERE t.content_hash = {r}.content_hash AND {r}.deleted_at IS NULL {_UPSERT_SIZES};
        INSERT INTO budget_members(dataset_id, encoding, total, position, example_rowid)
            SELECT {r}.dataset_id, t.encoding, t.total, {r}.position, {r}.rowid FROM token_counts t
             WHERE t.content_hash = {r}.content_hash AND {r}.deleted_at IS NULL;
        INSERT INTO budget_parts(dataset_id, status, examples, with_tools, with_media)
            SELECT {r}.dataset_id, {r}.status, 1, {budget_tools_sql(r)}, {budget_media_sql(r)}
             WHERE {r}.deleted_at IS NULL {_UPSERT_PARTS};
        INSERT INTO budget_uncounted(encoding, example_rowid)
            SELECT b.encoding, {r}.rowid FROM budget_encodings b
             WHERE {r}.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM token_counts t
                   WHERE t.content_hash = {r}.content_hash AND t.encoding = b.encoding);"""


def _example_out_sql(r: str) -> str:
    """Statements that take a live example row (alias r) out of the totals."""
    return f"""
        INSERT INTO budget_sizes(dataset_id, encoding, status, total, examples, trained)
            SELECT {r}.dataset_id, t.encoding, {r}.status, t.total, -1, -t.trained FROM token_counts t
             WHERE t.content_hash = {r}.content_hash AND {r}.deleted_at IS NULL {_UPSERT_SIZES};
        DELETE FROM budget_members WHERE {r}.deleted_at IS NULL AND dataset_id = {r}.dataset_id
           AND (encoding, total, position, example_rowid) IN
               (SELECT t.encoding, t.total, {r}.position, {r}.rowid FROM token_counts t
                 WHERE t.content_hash = {r}.content_hash);
        INSERT INTO budget_parts(dataset_id, status, examples, with_tools, with_media)
            SELECT {r}.dataset_id, {r}.status, -1, -{budget_tools_sql(r)}, -{budget_media_sql(r)}
             WHERE {r}.deleted_at IS NULL {_UPSERT_PARTS};
        DELETE FROM budget_uncounted WHERE encoding IN (SELECT encoding FROM budget_encodings)
           AND example_rowid = {r}.rowid;"""


#: the examples rowid up to which the running totals hold (0017): rows above it wait for
#: the backfill, and the triggers leave them alone
BUDGET_COUNTED_SQL = "(SELECT upto FROM budget_state)"


def _holders(c: str) -> str:
    """FROM ... WHERE ...: the live, counted examples (of every dataset) holding the content
    hash of count row `c` (one index probe per dataset)."""
    return (f"FROM datasets d CROSS JOIN examples e WHERE e.dataset_id = d.id "
            f"AND e.content_hash = {c}.content_hash AND e.deleted_at IS NULL "
            f"AND e.rowid <= {BUDGET_COUNTED_SQL}")


def _count_in_sql(c: str, uncounted_by_key: bool = False) -> str:
    """Statements that add a token_counts row (alias c) to the totals of the examples holding
    its hash. `uncounted_by_key` (0022): the examples leave budget_uncounted through its
    primary key; 0017's row-value IN read every listed row of the encoding instead."""
    holders = _holders(c)
    uncounted = (f"encoding = {c}.encoding AND example_rowid IN (SELECT e.rowid {holders})" if uncounted_by_key
                 else f"(encoding, example_rowid) IN (SELECT {c}.encoding, e.rowid {holders})")
    return f"""
        INSERT INTO budget_sizes(dataset_id, encoding, status, total, examples, trained)
            SELECT e.dataset_id, {c}.encoding, e.status, {c}.total, count(*), count(*) * {c}.trained {holders}
             GROUP BY e.dataset_id, e.status {_UPSERT_SIZES};
        INSERT INTO budget_members(dataset_id, encoding, total, position, example_rowid)
            SELECT e.dataset_id, {c}.encoding, {c}.total, e.position, e.rowid {holders};
        DELETE FROM budget_uncounted WHERE {uncounted};"""


def _count_out_sql(c: str) -> str:
    """Statements that take a token_counts row (alias c) out of the totals."""
    holders = _holders(c)
    return f"""
        INSERT INTO budget_sizes(dataset_id, encoding, status, total, examples, trained)
            SELECT e.dataset_id, {c}.encoding, e.status, {c}.total, -count(*), -count(*) * {c}.trained {holders}
             GROUP BY e.dataset_id, e.status {_UPSERT_SIZES};
        DELETE FROM budget_members WHERE (dataset_id, encoding, total, position, example_rowid) IN
               (SELECT e.dataset_id, {c}.encoding, {c}.total, e.position, e.rowid {holders});
        INSERT INTO budget_uncounted(encoding, example_rowid)
            SELECT {c}.encoding, e.rowid {holders} AND {c}.encoding IN (SELECT encoding FROM budget_encodings);"""


@migrations(name="0017_token_totals")
def m0017_token_totals(db: Database) -> None:
    # Running token totals per dataset, encoding and status, kept exact by triggers on
    # examples and token_counts, so a budget is priced from a few rows instead of reading
    # every example's count (1M rows: 12-21 s). The rows already in the file are counted
    # later, in slices, by the first budget (store/token_totals.py): budget_state.upto is
    # the examples rowid up to which the totals hold; the triggers ignore rows above it.
    # Nothing here reads the examples, so this migration takes no time at any size.
    changed = ("old.dataset_id IS NOT new.dataset_id OR old.status IS NOT new.status "
               "OR old.content_hash IS NOT new.content_hash OR old.position IS NOT new.position "
               "OR (old.deleted_at IS NULL) IS NOT (new.deleted_at IS NULL) OR old.kind IS NOT new.kind "
               "OR old.messages IS NOT new.messages OR old.tools IS NOT new.tools "
               "OR old.functions IS NOT new.functions OR old.preferred_output IS NOT new.preferred_output "
               "OR old.non_preferred_output IS NOT new.non_preferred_output")
    counted = BUDGET_COUNTED_SQL
    script = (
        f"""
        CREATE TABLE budget_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            upto INTEGER NOT NULL           -- examples rowid up to which the totals hold
        );
        CREATE TABLE budget_encodings (
            encoding TEXT PRIMARY KEY       -- encodings whose missing counts budget_uncounted lists
        );
        CREATE TABLE budget_sizes (
            dataset_id TEXT NOT NULL,
            encoding TEXT NOT NULL,
            status TEXT NOT NULL,
            total INTEGER NOT NULL,         -- tokens of one example
            examples INTEGER NOT NULL,      -- live examples of that size
            trained INTEGER NOT NULL,       -- their trained tokens, summed
            PRIMARY KEY (dataset_id, encoding, status, total)
        ) WITHOUT ROWID;
        CREATE TABLE budget_members (
            dataset_id TEXT NOT NULL,
            encoding TEXT NOT NULL,
            total INTEGER NOT NULL,
            position INTEGER NOT NULL,
            example_rowid INTEGER NOT NULL,
            PRIMARY KEY (dataset_id, encoding, total DESC, position, example_rowid)
        ) WITHOUT ROWID;
        CREATE TABLE budget_parts (
            dataset_id TEXT NOT NULL,
            status TEXT NOT NULL,
            examples INTEGER NOT NULL,      -- live examples
            with_tools INTEGER NOT NULL,    -- of which hold tool schemas or calls (estimated tokens)
            with_media INTEGER NOT NULL,    -- of which hold images, audio or files (not counted)
            PRIMARY KEY (dataset_id, status)
        ) WITHOUT ROWID;
        CREATE TABLE budget_uncounted (
            encoding TEXT NOT NULL,
            example_rowid INTEGER NOT NULL, -- a live example with no count for the encoding
            PRIMARY KEY (encoding, example_rowid)
        ) WITHOUT ROWID;

        -- an import's staged rows are counted in bulk by the importer (store.examples.insert_encoded)
        CREATE TRIGGER budget_examples_insert AFTER INSERT ON examples
        WHEN new.deleted_at IS NULL AND new.rowid <= {counted}
             AND NOT EXISTS (SELECT 1 FROM import_staging s WHERE s.dataset_id = new.dataset_id)
        BEGIN {_example_in_sql("new")}
        END;
        CREATE TRIGGER budget_examples_delete AFTER DELETE ON examples
        WHEN old.deleted_at IS NULL AND old.rowid <= {counted} BEGIN {_example_out_sql("old")}
        END;
        CREATE TRIGGER budget_examples_update AFTER UPDATE OF dataset_id, status, content_hash, position, deleted_at,
            kind, messages, tools, functions, preferred_output, non_preferred_output ON examples
        WHEN old.rowid <= {counted} AND ({changed}) BEGIN {_example_out_sql("old")} {_example_in_sql("new")}
        END;
        -- INSERT OR REPLACE of a cached count fires the delete trigger for the replaced row:
        -- the store's connections turn recursive_triggers on (sqlite-utils' default).
        CREATE TRIGGER budget_counts_insert AFTER INSERT ON token_counts
        WHEN {counted} > 0 AND EXISTS (SELECT 1 {_holders("new")}) BEGIN {_count_in_sql("new")}
        END;
        CREATE TRIGGER budget_counts_delete AFTER DELETE ON token_counts
        WHEN {counted} > 0 AND EXISTS (SELECT 1 {_holders("old")}) BEGIN {_count_out_sql("old")}
        END;
        CREATE TRIGGER budget_counts_update AFTER UPDATE ON token_counts
        WHEN {counted} > 0 BEGIN {_count_out_sql("old")} {_count_in_sql("new")}
        END;
        """
    )
    # one statement at a time: sqlite-utils' executescript splits a long script in
    # quadratic time (2.5 s of CPU for this one)
    script = re.sub(r"^\s*--.*\n", "", script, flags=re.MULTILINE)
    for statement in re.split(r";\n\s*(?=CREATE )", script.strip()):
        db.execute(statement)
    db.conn.executemany("INSERT INTO budget_encodings(encoding) VALUES (?)",
                        [(e,) for e in BUDGET_ENCODINGS_0017])
    # an empty file is counted from its first row on; one with examples, by the first budget
    db.execute("INSERT INTO budget_state(id, upto) SELECT 1, CASE WHEN EXISTS (SELECT 1 FROM examples) "
               f"THEN 0 ELSE {BUDGET_ALL_ROWS} END")


#: The snapshot text of an imported example's first revision until the example first
#: changes (store.examples.FIRST_SNAPSHOT_IS_ROW; 0019).
FIRST_SNAPSHOT_IS_ROW_0019 = ""


@migrations(name="0019_first_revision_as_row")
def m0019_first_revision_as_row(db: Database) -> None:
    # An import wrote every example twice: its row and its first revision's snapshot (a
    # third of a 100k import's bytes, and of its commits). The importer now writes the
    # first revision with an empty snapshot, meaning "the same as the example's row",
    # which holds until the row first changes. This trigger keeps it true for every
    # writer (the app, a snapshot merge, a user's sqlite3 shell): before an edit of an
    # editable column of a row still at revision 1, the snapshot is filled in from the
    # row's old values, in the form store.examples writes snapshots (EDITABLE_COLUMNS).
    db.execute(
        f"""
        CREATE TRIGGER example_revisions_first_from_row
        BEFORE UPDATE OF kind, messages, tools, functions, parallel_tool_calls, preferred_output,
                         non_preferred_output, tags, status, notes, deleted_at ON examples
        WHEN old.revision = 1 BEGIN
            UPDATE example_revisions SET snapshot = json_object(
                'kind', old.kind, 'messages', json(old.messages), 'tools', json(old.tools),
                'functions', json(old.functions),
                'parallel_tool_calls', CASE WHEN old.parallel_tool_calls IS NULL THEN NULL
                                            WHEN old.parallel_tool_calls THEN json('true') ELSE json('false') END,
                'preferred_output', json(old.preferred_output),
                'non_preferred_output', json(old.non_preferred_output),
                'tags', json(old.tags), 'status', old.status, 'notes', old.notes, 'deleted_at', old.deleted_at)
             WHERE example_id = old.id AND revision = 1 AND snapshot = '{FIRST_SNAPSHOT_IS_ROW_0019}';
        END
        """
    )


@migrations(name="0020_search_index_fewer_merges")
def m0020_search_index_fewer_merges(db: Database) -> None:
    # FTS5 merges a level's segments once `automerge` of them exist (default 4). An import
    # commits a small segment every few hundred rows; at 16 the index merged 22% less CPU
    # for 100k rows, and searches (a common word, a prefix, a phrase) took the same time.
    db.execute("INSERT INTO examples_fts(examples_fts, rank) VALUES ('automerge', 16)")


#: the search text of an example row `r` (the same as store.examples.fts_text computes;
#: store.examples.REBUILD_SEARCH_INDEX builds the index with it)
SEARCH_TEXT_0021 = """(SELECT group_concat(coalesce(json_extract(m.value, '$.content'), ''), ' ')
                FROM json_each({r}.messages) AS m)
             || ' ' || coalesce({r}.preferred_output, '') || ' ' || coalesce({r}.non_preferred_output, '')"""


@migrations(name="0021_search_index_contentless")
def m0021_search_index_contentless(db: Database) -> None:
    # The search index kept its own copy of every example's text (a third of a new
    # store's bytes, written and checkpointed by every import): it is now contentless.
    # Its triggers hand FTS5 the old text to take out ('delete'), computed by the same
    # expression the rows were indexed with (the importer computes it in Python,
    # store.examples.fts_text, tested equal). The index is built again once.
    old, new, row = (SEARCH_TEXT_0021.format(r=r) for r in ("old", "new", "e"))
    db.execute("DROP TRIGGER examples_fts_insert")  # takes the write lock: what follows sees the latest schema
    if "content=''" in db.execute("SELECT sql FROM sqlite_master WHERE name = 'examples_fts'").fetchone()[0]:
        # another process opening the store applied it meanwhile: undone, and migrate() carries on
        raise sqlite3.OperationalError("0021_search_index_contentless: already applied by another process")
    db.executescript(
        f"""
        DROP TRIGGER examples_fts_delete;
        DROP TRIGGER examples_fts_update;
        DROP TABLE examples_fts;
        CREATE VIRTUAL TABLE examples_fts USING fts5(
            text, content='', tokenize='unicode61 remove_diacritics 2'
        );
        INSERT INTO examples_fts(examples_fts, rank) VALUES ('automerge', 16);
        INSERT INTO examples_fts(rowid, text) SELECT e.rowid, {row} FROM examples e;
        CREATE TRIGGER examples_fts_insert AFTER INSERT ON examples
        WHEN NOT EXISTS (SELECT 1 FROM import_staging s WHERE s.dataset_id = new.dataset_id) BEGIN
            INSERT INTO examples_fts(rowid, text) VALUES (new.rowid, {new});
        END;
        CREATE TRIGGER examples_fts_delete AFTER DELETE ON examples BEGIN
            INSERT INTO examples_fts(examples_fts, rowid, text) VALUES ('delete', old.rowid, {old});
        END;
        CREATE TRIGGER examples_fts_update AFTER UPDATE OF messages, preferred_output, non_preferred_output
        ON examples BEGIN
            INSERT INTO examples_fts(examples_fts, rowid, text) VALUES ('delete', old.rowid, {old});
            INSERT INTO examples_fts(rowid, text) VALUES (new.rowid, {new});
        END;
        """
    )


@migrations(name="0022_uncounted_by_key")
def m0022_uncounted_by_key(db: Database) -> None:
    # A cached count takes the examples holding its hash out of budget_uncounted. 0017's
    # statement (a row-value IN) read every row listed for the encoding: a dataset's
    # first budget for a model of another encoding saves a count per example, so 100k
    # examples took over 2 minutes (quadratic). Now one primary-key probe per example.
    counted = BUDGET_COUNTED_SQL
    db.execute("DROP TRIGGER budget_counts_insert")  # takes the write lock: what follows sees the latest schema
    if "example_rowid IN (SELECT e.rowid" in db.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'budget_counts_update'").fetchone()[0]:
        # another process opening the store applied it meanwhile: undone, and migrate() carries on
        raise sqlite3.OperationalError("0022_uncounted_by_key: already applied by another process")
    db.execute("DROP TRIGGER budget_counts_update")
    db.execute(f"""CREATE TRIGGER budget_counts_insert AFTER INSERT ON token_counts
        WHEN {counted} > 0 AND EXISTS (SELECT 1 {_holders("new")}) BEGIN {_count_in_sql("new", True)}
        END""")
    db.execute(f"""CREATE TRIGGER budget_counts_update AFTER UPDATE ON token_counts
        WHEN {counted} > 0 BEGIN {_count_out_sql("old")} {_count_in_sql("new", True)}
        END""")
