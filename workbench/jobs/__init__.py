"""Fine-tuning jobs: launch from a frozen version, the outbox, reconciliation, the
monitor, the loss-trend flag, the training kit for one's own GPU.

Imports providers, dataset, budget, chat and errors; never eval or registry (they
build on jobs).
"""

from workbench.jobs.launch import LaunchPlan, find_version, launch, plan_launch, reconcile, resume_launch
from workbench.jobs.manage import cancel_job, get_job, job_detail, list_jobs

__all__ = ["LaunchPlan", "cancel_job", "find_version", "get_job", "job_detail", "launch", "list_jobs",
           "plan_launch", "reconcile", "resume_launch"]
