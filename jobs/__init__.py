"""The worker face: arq jobs for scheduling and execution."""
