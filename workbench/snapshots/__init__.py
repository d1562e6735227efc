"""Team snapshots: export, inspect and merge SQLite snapshot files."""
