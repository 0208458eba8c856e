"""Files: checkpoints (tensor bundles), Saver, MetaGraph export, TFRecords, summaries and
event files."""
