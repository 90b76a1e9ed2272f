from django_tasks import task

from . import runner


@task()
def run_job_task(job_id: int) -> str:
    return runner.run(job_id)
