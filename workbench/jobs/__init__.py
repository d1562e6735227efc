"""Fine-tuning jobs: launch from a frozen version, the outbox, reconciliation, the monitor. Filled by the jobs issue."""
