"""Evaluation: golden sets and answers (golden), blind side-by-side rating sessions
(rating), and the statistics behind the promotion gate (stats)."""
