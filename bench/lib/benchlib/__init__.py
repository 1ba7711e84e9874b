"""bench/run's modules: DAG generation, nginx, measurement, workloads, report."""
