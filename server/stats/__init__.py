"""Daily statistics per area node, rolled up for the dashboards."""
