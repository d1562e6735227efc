"""Tokens and cost: tokenizers (tokens), cached counts (counting), the editable model
catalogue (catalog), the estimate itself (estimate) and where counts come from (sources)."""
