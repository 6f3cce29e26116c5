"""The incident's story: automatic entries for every change, status updates, captured messages."""
