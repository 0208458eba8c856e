"""Plans and executors: prune, fold, CSE and slot a graph once; run it statically or as dataflow."""
