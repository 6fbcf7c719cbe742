"""Thin Prefect flows: each @flow only orders @tasks, and each @task calls `phuxanh`."""
