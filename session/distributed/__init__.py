"""Distributed execution: the gRPC master and worker services, graph partitioning with
Send/Recv pairs, the rendezvous, cluster specs and servers (not built yet). Workers will
run partitions with the same plans and executors as a local Session (session/executor)."""
