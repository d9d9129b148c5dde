"""`custodiet job run ID`: run a recorded background job in this process (the web pages
launch it so); `custodiet job list`: the latest jobs and how they stand."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from custodiet.jobs.launch import JobError, run
from custodiet.jobs.models import Job, State


class Command(BaseCommand):
    help = "Run or list background jobs (ledger verification, report builds, received bundles)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        run_parser = actions.add_parser("run", help="run the job with this id, if it is waiting")
        run_parser.add_argument("id", type=int)
        listing = actions.add_parser("list", help="the latest jobs")
        listing.add_argument("--limit", type=int, default=20)

    def handle(self, *args: object, **options: object) -> None:
        if options["action"] == "list":
            limit = options["limit"]
            assert isinstance(limit, int)
            for job in Job.objects.select_related("agency")[: max(limit, 0)]:
                progress = f"{job.done}/{job.total}" if job.total else str(job.done)
                # A job a command ran belongs to no agency.
                agency = job.agency.code if job.agency else "-"
                self.stdout.write(
                    f"{job.pk:>6}  {job.kind:<15} {agency:<14} {job.state:<8} "
                    f"{progress:<15} {job.created_at:%Y-%m-%d %H:%M}"
                )
            return
        job_id = options["id"]
        assert isinstance(job_id, int)
        if not Job.objects.filter(pk=job_id).exists():
            raise CommandError(f"no job {job_id}")
        try:
            job = run(job_id)
        except JobError as error:
            raise CommandError(str(error)) from None
        if job.state == State.FAILED:
            raise CommandError(f"job {job.pk} failed: {job.error}")
        self.stdout.write(f"job {job.pk} finished")
