"""Providers (OpenAI, Azure, Together, any OpenAI-compatible endpoint): adapters, keys in the OS keyring. Filled by the jobs issue."""
