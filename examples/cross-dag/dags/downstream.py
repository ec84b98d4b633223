"""The downstream side: same hourly schedule; it starts by waiting for upstream.publish of the same logical date."""
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.sensors.external_task import ExternalTaskSensor

with DAG(
    dag_id="downstream",
    schedule="@hourly",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "analytics"},
    tags=["example", "cross-dag"],
) as dag:
    wait = ExternalTaskSensor(
        task_id="wait_for_upstream",
        external_dag_id="upstream",
        external_task_id="publish",
        allowed_states=["success"],
        failed_states=["failed", "upstream_failed"],
        mode="reschedule",
        poke_interval=60,
        timeout=1800,
    )
    report = BashOperator(task_id="report", bash_command="echo reporting on the hour")
    wait >> report
