"""The automated runs: the schedules phuxanh deploys and the Prefect server it starts."""
