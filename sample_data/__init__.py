"""The Aurora Commerce sample workspace (data only), shipped as package data so an installed workbench can seed it."""
