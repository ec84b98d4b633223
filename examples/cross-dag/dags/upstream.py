"""The upstream side of the cross-DAG example: an hourly extract that the downstream DAG waits for."""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    dag_id="upstream",
    schedule="@hourly",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "data", "retries": 1, "retry_delay": timedelta(minutes=2)},
    tags=["example", "cross-dag"],
) as dag:
    extract = BashOperator(task_id="extract", bash_command="echo extracting the hour")
    publish = BashOperator(task_id="publish", bash_command="echo published")
    extract >> publish
