"""Custom actions (rasa-sdk): thin wrappers over the ``bot`` package, one module per feature."""
