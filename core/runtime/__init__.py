"""`baton run`: the long-running service (HTTP intake, pollers, scheduler, dispatcher) in one process."""
