"""`flask scheduler` (production's scheduler process) and `flask jobs run <id>`."""

import click

from server.jobs import registry


def register(app) -> None:
    @app.cli.command("scheduler")
    def scheduler():
        """Run the job scheduler in the foreground until interrupted (one per deployment is
        active at a time: the others wait for the lease)."""
        from server.jobs.scheduler import run_forever

        click.echo("调度器已启动（按 Ctrl-C 停止）")
        run_forever(app)
        click.echo("调度器已停止")

    @app.cli.group("jobs")
    def jobs():
        """Scheduled jobs: list them, or run one now."""

    @jobs.command("list")
    def list_jobs():
        """Every job id, its schedule, and whether its function can be imported."""
        for job in registry.JOBS:
            schedule = job.schedule_zh()
            state = "可用" if job.available() else "未实现"
            click.echo(f"{job.id}\t{schedule}\t{state}\t{job.description}")

    @jobs.command("run")
    @click.argument("job_id", type=click.Choice(registry.ids()))
    def run(job_id):
        """Run one job now, record it, and print the rows it touched."""
        from server.jobs.runner import run_job

        result = run_job(job_id, app=app)
        if not result.ok:
            raise click.ClickException(f"{job_id} 运行失败：{result.outcome}")
        click.echo(f"{job_id}: rows_touched={result.rows_touched}")
